// `ssbsim run --all`: the points of a [scan] run in turn, each to its own output. A complete point
// is skipped, a failed one does not stop the others (an interruption does: the job is ending),
// and a table (point, output, status) closes the run. Tested by tests/test_scan.cpp.
#pragma once

#include "ssbsim/app/runner.hpp"
#include "ssbsim/deck/config.hpp"

#include <cstddef>
#include <exception>
#include <ostream>
#include <vector>

namespace ssbsim {

struct PointRun {
    std::size_t index; // in the deck's point order (run --list-points)
    Config config;
};

// Returns the worst (largest) exit status of the points; the table goes to streams.out.
int run_points(const std::vector<PointRun>& points, const RunStreams& streams, const RunMode& mode);

// Prints the message of an error as main() does ("ssbsim: diverged: ...") and returns its exit
// status (errors.hpp).
int report_error(const std::exception_ptr& error, std::ostream& log);

} // namespace ssbsim
