// Reading an output while a run writes it. ssbsim's readers take no HDF5 lock (hdf5.cpp), and the
// writer's file is consistent at every flush (docs/output.md); a reader that opens it *during* a
// flush can find metadata half-written, which HDF5 reports as an error, so a read is retried a
// few times before the error counts. Used by `ssbsim info` and `ssbsim analyze`.
// Tested by tests/test_live_read.cpp (a reader polling a running job).
#pragma once

#include "ssbsim/core/errors.hpp"

#include <chrono>
#include <thread>

namespace ssbsim {

// A flush takes milliseconds; 5 attempts 0.2 s apart outlast it even on a loaded machine, and a
// file that is really damaged costs under a second more to report.
inline constexpr int live_read_attempts = 5;
inline constexpr std::chrono::milliseconds live_read_pause{200};

// Calls read() until it does not throw IoError, at most live_read_attempts times; the last
// IoError propagates. `read` must have no effects outside its result (it may run again).
template <class Read>
auto read_retrying(Read&& read) -> decltype(read()) {
    for (int attempt = 1;; ++attempt) {
        try {
            return read();
        } catch (const IoError&) {
            if (attempt >= live_read_attempts) throw;
            std::this_thread::sleep_for(live_read_pause);
        }
    }
}

} // namespace ssbsim
