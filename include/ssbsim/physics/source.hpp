// The site-dependent part of the external source ("data"): h_x = h + δh_x, where h is the
// uniform action.h (or schedule.h) and δh_x is quenched — drawn once from its own Philox key
// (action.h_seed, stream `source`), independent of the dynamics' noise — or read from an HDF5
// dataset of the lattice's shape (e.g. exported weights or gradients; io/inputs.hpp reads it).
// Tested by test_source.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <optional>

namespace ssbsim {

// δh_x for action.h_source = random or file; nothing for constant. The file's array is read by
// the caller (io/inputs.hpp: read_source_field) and handed in as `from_file`, required with
// h_source = file: the physics opens no file. On a split lattice (domain) this rank's part: the
// random δh_x drawn for its own sites by their global index (the bits of the whole one), the
// file's read per rank (read_source_field with the same domain). A Lattice is one process.
std::optional<Field> source_field(const Config& config, const Domain& domain,
                                  std::optional<Field> from_file = std::nullopt);

} // namespace ssbsim
