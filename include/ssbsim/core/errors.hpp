// The error types a user can act on, and the exit status each maps to in main().
// Physics and I/O code throw these; nothing below main() prints or exits.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace ssbsim {

// Documented exit statuses (README, "Exit status").
enum ExitStatus : int {
    exit_ok = 0,
    exit_internal = 1,    // a bug: an exception we did not expect
    exit_bad_input = 2,   // deck, command line, init file: nothing was written
    exit_diverged = 3,    // NaN/inf or runaway field: last good checkpoint kept
    exit_io = 4,          // HDF5 or file-system failure while running
    exit_interrupted = 5, // SIGTERM/SIGINT/SIGUSR1: checkpoint written, resumable
};

// Bad deck, bad command line, unusable init file: raised before any output exists.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// HDF5 or file-system failure.
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The field left the numerically meaningful range (NaN, inf, |phi| above the bound).
struct DivergenceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A stop signal arrived; the run wrote a checkpoint and can be resumed.
struct Interrupted : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Split over MPI ranks, a rank that did not fail itself stops with the error of the rank that
// did (its message and exit status): OtherRank<InputError> etc. is caught as the error itself.
template <class Error>
struct OtherRank : Error {
    using Error::Error;
};

// The exit status main() gives an exception: for records written while it propagates and for
// `run --all`, which goes on past a failed point.
inline int exit_status_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const InputError&) {
        return exit_bad_input;
    } catch (const DivergenceError&) {
        return exit_diverged;
    } catch (const IoError&) {
        return exit_io;
    } catch (const Interrupted&) {
        return exit_interrupted;
    } catch (...) {
        return exit_internal;
    }
}

} // namespace ssbsim
