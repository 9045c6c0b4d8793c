// Where, when and by what an output was made, and whether its run finished: one record per run
// segment (/segments/NNN, a resumed run has several: UTC start and end, host, version, git commit,
// compiler and flags, threads, ranks, wall time, steps, exit status) and the root attributes
// `final_step` and `exit_status` that mark a finished run (docs/output.md, "Provenance").
// Tested by tests/test_provenance.cpp.
#pragma once

#include "ssbsim/io/hdf5.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace ssbsim {

// The build that is running (filled in by CMake at build time).
struct BuildInfo {
    std::string version;
    std::string git_commit; // "unknown" outside a git checkout
    bool git_dirty = false; // tracked files differed from the commit when it was built
    std::string compiler;   // e.g. "GNU 12.2.0"
    std::string flags;      // the compile flags of the library
};
const BuildInfo& build_info();

// Root attribute `exit_status` while a segment runs (and forever if it is killed outright).
inline constexpr std::int64_t status_running = -1;

// What an existing file says about the run that wrote it.
struct OutputStatus {
    bool ssbsim = false;                    // an ssbsim output: version and deck recorded
    std::string deck;                       // the recorded resolved deck
    std::optional<std::int64_t> final_step; // absent in outputs of versions before provenance
    std::optional<std::int64_t> exit_status;
    std::int64_t last_measured = -1; // last completely written /observables step
    std::int64_t segments = 0;

    // The run finished (exit status 0) at `steps` or beyond. Outputs written before completion
    // was recorded count as finished when their measurements reach `steps`.
    bool complete(std::int64_t steps) const;
};

// Never throws for a missing or foreign file (ssbsim = false); IoError for a damaged ssbsim one.
OutputStatus read_output_status(const std::string& path);

// One run segment of an output: created when the run starts writing, updated at every checkpoint
// and closed with the exit status. Nothing is flushed here: the writer's flushes carry it.
class Segment {
  public:
    // Appends /segments/<n> to `root` (the output's root group), starting at `first_step`;
    // `kind` is "new", "resume" or "restart"; `deck` is the resolved deck this segment runs.
    Segment(h5::Group root, std::int64_t first_step, const std::string& kind,
            const std::string& deck);

    // The run's state at `step` is saved (a checkpoint): final step and end time so far.
    void saved(std::int64_t step);
    // The segment ends with `exit_status` (errors.hpp) at its last saved step.
    void finish(int exit_status);

  private:
    void write_end(std::int64_t status);

    h5::Group root_;
    h5::Group group_;
    std::chrono::steady_clock::time_point start_;
    std::int64_t final_step_;
};

// For `ssbsim info`: how the run ended and every segment's record.
void describe_provenance(const h5::Group& root, std::ostream& out);

// "2026-11-30T08:01:02Z"
std::string utc_now();

} // namespace ssbsim
