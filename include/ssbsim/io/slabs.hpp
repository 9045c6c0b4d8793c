// A rank's slab of a field in the files' layout: its own slices of axis 0 (physics/domain.hpp)
// as [site][component] values, which is what each rank writes to (and reads from) its hyperslab
// of a checkpoint or an input file, and what the root streams, piece by piece, into the output's
// /configurations, so that no rank ever holds the whole field. Without a split the slab is the
// whole field. Tested by test_output (and, split, by tests/mpi/check_split_run.py).
#pragma once

#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ssbsim {

// Slices [first, first + count) of axis 0 of the whole lattice (the files' first lattice axis).
struct Slices {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
};

// This rank's slices, and rank r's (the whole axis without a split; a 1D lattice is one slab).
Slices own_slices(const Domain& domain);
Slices slices_of_rank(const Domain& domain, int rank);
// Values of one slice in the files' layout: its sites times the components.
std::uint64_t values_per_slice(const Domain& domain, int components);

// Values written or sent at a time (8 MiB): a checkpoint's collective writes and the streaming of
// a configuration to the root go piece by piece, so their buffers stay this small whatever the
// slab (parallel HDF5 copies every chunk a collective write touches, filtered, in memory).
constexpr std::uint64_t io_piece_values = std::uint64_t{1} << 20;

// The slab cut into consecutive pieces of whole slices, each of at most `max_values` values (at
// least one slice): what the root receives and writes at a time.
std::vector<Slices> pieces(Slices slab, std::uint64_t per_slice,
                           std::uint64_t max_values = io_piece_values);

// The own slices `part` (global; within own_slices) of f as [site][component]: f's own storage
// for one component, else a copy in `buffer`.
std::span<const double> own_site_major(const Domain& domain, const Field& f, Slices part,
                                       std::vector<double>& buffer);
inline std::span<const double> own_site_major(const Domain& domain, const Field& f,
                                              std::vector<double>& buffer) {
    return own_site_major(domain, f, own_slices(domain), buffer);
}
// Sets the own sites of f (on domain.local()) from its slab as [site][component]; the halos are
// left to the next exchange.
void assign_own_site_major(const Domain& domain, Field& f, std::span<const double> values);

} // namespace ssbsim
