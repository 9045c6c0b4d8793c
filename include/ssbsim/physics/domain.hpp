// The part of the lattice one MPI rank holds: a slab of whole slices of axis 0 (rows stay
// whole, so every kernel and reduction keeps its row structure), of unequal thickness when the
// ranks do not divide L_0, stored with one halo slice below and above. The local lattice (what
// a Field is allocated on) is the slab with its halos, open along axis 0 so that nothing wraps
// inside it; the halos hold the neighbours' edge slices (or, at an open end, the edge slice
// itself, so the missing link contributes exactly zero as in one process). Local row r is
// global row r + own().global_row_offset: the noise is counted by the global site (invariant 1),
// never by the memory offset. One rank holds the whole lattice with no halo, exactly as a
// program without MPI. A 2D process grid would add a split of axis 1 (strided halos, own rows
// as a set of row ranges); nothing here assumes there is none beyond RowRange being one range.
// Tested by test_domain (slabs, halos, gather) and test_mpi (runs under mpirun).
#pragma once

#include "ssbsim/core/comm.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/force.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace ssbsim {

// Halos being filled: started by Domain::start_halo_exchange, completed by finish() (or the
// destructor). Between the two the halo rows must not be read.
class HaloExchange {
  public:
    HaloExchange() = default;
    void finish();

  private:
    friend class Domain;
    std::vector<Request> requests_;
};

class Domain {
  public:
    // The whole lattice in this process (no MPI split): what every caller without a
    // communicator gets.
    Domain(const Lattice& whole); // NOLINT(google-explicit-constructor): a lattice is a domain
    // Slabs of axis 0 over the ranks of comm: rank r holds L_0/R slices, one more for
    // r < L_0 mod R. Throws InputError when the lattice cannot be split (1D, L_0 < R).
    Domain(const Lattice& whole, const Communicator& comm);

    const Lattice& whole() const { return whole_; }
    const Lattice& local() const { return local_; }
    const Communicator& comm() const { return comm_; }
    bool split() const { return comm_.split(); }

    // The local rows this rank updates, and where they sit in the whole lattice.
    RowRange own() const { return own_; }
    // The same for the reductions of core/comm.hpp.
    RowSlab slab() const {
        return {whole_.rows(), own_.first + own_.global_row_offset, own_.last - own_.first,
                own_.first};
    }
    std::int64_t rows_per_slice() const { return rows_per_slice_; }
    std::int64_t first_slice() const { return first_slice_; } // own, global
    std::int64_t slices() const { return slices_; }           // own
    // The first global slice and the thickness of rank r's slab (the I/O of the root streams
    // the other ranks' slabs); {0, 1} for a 1D lattice, which is never split.
    std::pair<std::int64_t, std::int64_t> slab_of_rank(int r) const;
    std::int64_t own_sites() const { return (own_.last - own_.first) * whole_.row_length(); }
    // Memory offset (in a component plane) of the first own site.
    std::int64_t own_base() const { return own_.first * whole_.row_length(); }
    std::int64_t global_site_of_base() const {
        return (own_.first + own_.global_row_offset) * whole_.row_length();
    }

    // Fills the halo slices of f from the neighbouring ranks (non-blocking: sweep the interior
    // meanwhile). The halos are a copy of other ranks' rows, not part of the field's value, so
    // f is taken const. Nothing to do without a split.
    HaloExchange start_halo_exchange(const Field& f) const;
    void exchange_halos(const Field& f) const { start_halo_exchange(f).finish(); }

    // The whole field on the root rank (nothing elsewhere), from every rank's own slices: for
    // tests that compare a split run with one process. A run never gathers a field: its I/O
    // goes slab by slab (io/slabs.hpp).
    std::optional<Field> gather(const Field& local) const;

  private:
    Lattice whole_;
    Lattice local_;
    Communicator comm_;
    RowRange own_;
    std::int64_t rows_per_slice_ = 1;
    std::int64_t first_slice_ = 0;
    std::int64_t slices_ = 0;
};

// max |φ| over the own sites of every rank (Field::max_abs of the whole field: +inf if any value
// is NaN or inf). The halos are left out: they may be stale.
double max_abs(const Domain& domain, const Field& f);

} // namespace ssbsim
