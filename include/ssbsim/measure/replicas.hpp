// The replica metric of symmetry breaking: R fields run side by side from the same start with
// independent noise; if the symmetry breaks, they pick different vacua. Per pair (a, b):
//   overlap  q_ab = Σ_x φ^a_x·φ^b_x / √(Σ_x|φ^a_x|² Σ_x|φ^b_x|²)   (1: identical directions)
//   distance d_ab = V⁻¹ Σ_x |φ^a_x − φ^b_x|²                         (0: identical fields)
// averaged over the R(R−1)/2 pairs (cf. Zhang et al., arXiv:2409.06402). Sums use the fixed-order
// reduction, so identical replicas give exactly q = 1 and d = 0. Tested by test_replicas.
#pragma once

#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <vector>

namespace ssbsim {

struct ReplicaMetrics {
    double overlap = 1.0;  // mean q_ab over pairs (1 for a single replica)
    double distance = 0.0; // mean d_ab over pairs (0 for a single replica)
};

// phi: this rank's parts of the replicas (a Lattice is a Domain holding all of it); every rank
// gets the metrics of the whole lattice, with the bits of one process.
ReplicaMetrics replica_metrics(const Domain& domain, const std::vector<Field>& phi);

} // namespace ssbsim
