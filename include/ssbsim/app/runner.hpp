// `ssbsim run` without the command line: checks everything that can be checked before the output
// exists (output path, init file, step stability), then runs the dynamics, measuring and saving
// into the HDF5 output, and prints a summary of the order parameters.
#pragma once

#include "ssbsim/deck/config.hpp"

#include <ostream>
#include <string>

namespace ssbsim {

struct RunStreams {
    std::ostream& out; // the summary (stdout)
    std::ostream& log; // progress and warnings (stderr)
    bool interactive;  // log is a terminal
};

struct RunMode {
    bool resume = false; // continue from the checkpoint if there is one (else start at step 0)
    bool force = false;  // resume even if physics keys differ from the checkpoint's deck
    bool skip_complete = false; // a complete output of the same physics is left alone (--all)
    // The command that continues this run (the interrupt message quotes it); empty: generic.
    std::string resume_command;
    std::string deck_file; // the deck the run was read from: never written (io/paths.hpp)
};

enum class RunOutcome {
    ran,      // the run reached dynamics.steps
    complete, // the output already held the complete run (--resume or skip_complete): untouched
};

// Throws InputError (nothing written), DivergenceError, IoError or Interrupted (checkpoint
// written) for the exit statuses of errors.hpp. With `resume`, an output holding a complete run
// of the same physics is never rerun, and one that was killed before its first checkpoint is
// started again from step 0.
RunOutcome run(const Config& config, const RunStreams& streams, const RunMode& mode = {});

} // namespace ssbsim
