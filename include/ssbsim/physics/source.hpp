// The site-dependent part of the external source ("data"): h_x = h + δh_x, where h is the
// uniform action.h (or schedule.h) and δh_x is quenched — drawn once from its own Philox key
// (action.h_seed, stream `source`), independent of the dynamics' noise — or read from an HDF5
// dataset of the lattice's shape (e.g. exported weights or gradients). Tested by test_source.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <optional>

namespace ssbsim {

// δh_x for action.h_source = random or file; nothing for constant. Throws InputError for an
// unusable file (missing, not HDF5, no such dataset, wrong shape).
std::optional<Field> source_field(const Config& config, const Lattice& lattice);

} // namespace ssbsim
