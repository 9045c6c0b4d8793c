// The arrays a run reads from files before it starts: the last configuration of
// field.init_file (field.init = file) and the source δh_x of action.h_file (action.h_source =
// file). The app layer reads them here and hands them to initial_fields and Simulation, so that
// the physics never opens a file. Tested by tests/test_failures.cpp (unusable files) and the
// deck-level tests (tests/test_decks.cpp, tests/test_layers.cpp).
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <optional>

namespace ssbsim {

// Both read only this rank's part of the file (its own slices of the lattice's first axis, as
// one hyperslab) onto a field of domain.local(): no rank reads or holds the whole array. A bad
// value is named by its index in the whole file. A Lattice is the domain of one process.

// The last saved configuration of field.init_file with field.init = file; nothing otherwise.
// Throws InputError naming the key when the file is missing, not HDF5, holds no configuration or
// one of another lattice or number of components.
std::optional<Field> read_initial_field(const Config& config, const Domain& domain);

// Dataset action.h_dataset of action.h_file, of shape [L_1..L_d] or [L_1..L_d, N], with
// action.h_source = file; nothing otherwise. Throws InputError naming the key when the file is
// missing, not HDF5, lacks the dataset or has another shape.
std::optional<Field> read_source_field(const Config& config, const Domain& domain);

} // namespace ssbsim
