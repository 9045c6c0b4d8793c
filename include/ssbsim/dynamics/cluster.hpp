// Cluster updates of φ⁴ (dynamics.cluster_every, dynamics.cluster_kind): the embedded Ising
// spins s_x = sign(φ_x·r) of Brower & Tamayo (PRL 62, 1087 (1989)) with Wolff's embedding for
// N > 1 (PRL 62, 361 (1989): r a random unit vector, a flip reflects φ_x → φ_x − 2(φ_x·r) r;
// N = 1: r = 1, a flip is φ → −φ). A nearest-neighbour link <x, y> of coupling J is a bond with
// probability 1 − exp(−2 J a_x a_y / T) where J a_x a_y > 0 (a = φ·r), else never; clusters are
// the connected components of the bonds. Swendsen–Wang (PRL 58, 86 (1987)) flips every cluster
// with probability 1/2, Wolff flips the one cluster of a random site. Both leave e^{−S/T}
// invariant when the reflection is a symmetry of S: no external field or source, and no
// mean-field axis (refused by the deck). They change no |φ_x|, so they need a local method too.
// Random numbers: stream `cluster` of the run's key at the step's counter (bond of the link
// x → x+μ: uniform of component μ at site x; flip of a cluster: uniform of component 4 at its
// smallest site; Wolff's seed: uniform of component 5 at site 0; r: Gaussians of components
// 0..N−1 at site 0). Clusters are labelled by their smallest site (union-find), so the result
// is the same for any number of threads and, for Swendsen–Wang, of MPI ranks (slabs of axis 0).
// Tested by test_cluster and test_mpi_simulation.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"
#include "ssbsim/physics/rng.hpp"

#include <cstdint>
#include <span>

namespace ssbsim {

struct ClusterResult {
    std::int64_t clusters = 0; // sw: clusters formed; wolff: 1
    std::int64_t flipped = 0;  // sites reflected
};

// One cluster update of phi at temperature T > 0, with the random numbers of (key, step), on
// this rank's part of the lattice (a Lattice converts to the whole of it). Split over MPI
// ranks only Swendsen–Wang (the same bits as one process); Wolff is refused there.
ClusterResult cluster_update(const Domain& domain, const ActionParams& action, double T,
                             ClusterKind kind, NoiseKey key, std::uint64_t step, Field& phi);

// The same along a given unit vector r (N entries) instead of the drawn one: for tests.
ClusterResult cluster_update_along(const Lattice& lattice, const ActionParams& action, double T,
                                   ClusterKind kind, NoiseKey key, std::uint64_t step,
                                   std::span<const double> r, Field& phi);

} // namespace ssbsim
