#include "ssbsim/app/scan.hpp"

#include "ssbsim/core/errors.hpp"

#include <algorithm>
#include <iomanip>
#include <string>

namespace ssbsim {

namespace {

struct PointResult {
    int status = exit_ok;
    std::string what; // "ok", "complete: skipped", "diverged", ..., "not run"
};

const char* status_word(int status) {
    switch (status) {
    case exit_ok:
        return "ok";
    case exit_internal:
        return "internal error";
    case exit_bad_input:
        return "bad input";
    case exit_diverged:
        return "diverged";
    case exit_io:
        return "I/O error";
    case exit_interrupted:
        return "interrupted";
    default:
        return "failed";
    }
}

void print_table(const std::vector<PointRun>& points, const std::vector<PointResult>& results,
                 std::ostream& out) {
    std::size_t width = 6;
    for (const PointRun& p : points)
        width = std::max(width, p.config.run.output.size());
    out << "\nscan: " << points.size() << " points\n"
        << std::left << std::setw(7) << "point" << std::setw(static_cast<int>(width) + 2)
        << "output"
        << "status\n";
    for (std::size_t i = 0; i < points.size(); ++i) {
        out << std::setw(7) << points[i].index << std::setw(static_cast<int>(width) + 2)
            << points[i].config.run.output;
        if (results[i].what == "not run")
            out << "- not run (stopped by the interruption)\n";
        else
            out << results[i].status << ' ' << results[i].what << '\n';
    }
    out << std::right;
}

} // namespace

int report_error(const std::exception_ptr& error, std::ostream& log) {
    const int status = exit_status_of(error);
    const char* prefix = status == exit_bad_input     ? "error"
                         : status == exit_interrupted ? "interrupted"
                         : status == exit_diverged    ? "diverged"
                         : status == exit_io          ? "I/O error"
                                                      : "internal error";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        log << "ssbsim: " << prefix << ": " << e.what() << '\n';
    } catch (...) {
        log << "ssbsim: " << prefix << ": unknown exception\n";
    }
    return status;
}

int run_points(const std::vector<PointRun>& points, const RunStreams& io, const RunMode& mode) {
    std::vector<PointResult> results(points.size(), PointResult{exit_ok, "not run"});
    int worst = exit_ok;
    for (std::size_t i = 0; i < points.size(); ++i) {
        io.log << "point " << points[i].index << ": " << points[i].config.run.output << '\n';
        try {
            const RunOutcome outcome = run(points[i].config, io, mode);
            results[i] = {exit_ok, outcome == RunOutcome::complete ? "complete: skipped" : "ok"};
        } catch (...) {
            const int status = report_error(std::current_exception(), io.log);
            results[i] = {status, status_word(status)};
        }
        worst = std::max(worst, results[i].status);
        if (results[i].status == exit_interrupted) break; // the job is being stopped
    }
    print_table(points, results, io.out);
    return worst;
}

} // namespace ssbsim
