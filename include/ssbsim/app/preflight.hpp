// What `ssbsim run` checks before it touches any file or allocates a field: that the run fits in
// memory, and every path it will write (io/paths.hpp). The scan driver runs it on every point
// before the first one starts. Tested by tests/test_paths.cpp.
#pragma once

#include "ssbsim/app/runner.hpp"
#include "ssbsim/deck/config.hpp"
#include "ssbsim/io/paths.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ssbsim {

// A lower bound of the memory a run allocates: the fields of every replica (and momenta), the
// integrator's scratch fields, a site-dependent source, and one output buffer.
std::uint64_t run_memory_bytes(const Config& config);

// Refuses (InputError, status 2) a run that cannot fit in the available memory or whose paths
// break a rule of io/paths.hpp; returns the planned paths.
RunPaths preflight(const Config& config, const RunMode& mode);

// The points of a scan (deck order, with their labels): no two of them may share a file, whichever
// are run (an array job runs one each); then preflight() for each of the `selected` ones.
void preflight_scan(const std::vector<Config>& points, const std::vector<std::string>& labels,
                    const std::vector<std::size_t>& selected, const RunMode& mode);

} // namespace ssbsim
