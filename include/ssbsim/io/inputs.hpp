// The arrays a run reads from files before it starts: the last configuration of
// field.init_file (field.init = file) and the source δh_x of action.h_file (action.h_source =
// file). The app layer reads them here and hands them to initial_fields and Simulation, so that
// the physics never opens a file. Tested by tests/test_failures.cpp (unusable files) and the
// deck-level tests (tests/test_decks.cpp, tests/test_layers.cpp).
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <optional>

namespace ssbsim {

// The last saved configuration of field.init_file with field.init = file; nothing otherwise.
// Throws InputError naming the key when the file is missing, not HDF5, holds no configuration or
// one of another lattice or number of components.
std::optional<Field> read_initial_field(const Config& config, const Lattice& lattice);

// Dataset action.h_dataset of action.h_file, of shape [L_1..L_d] or [L_1..L_d, N], with
// action.h_source = file; nothing otherwise. Throws InputError naming the key when the file is
// missing, not HDF5, lacks the dataset or has another shape.
std::optional<Field> read_source_field(const Config& config, const Lattice& lattice);

} // namespace ssbsim
