// Progress reporting on stderr: a live line (percent, steps/s, ETA) on a terminal, and one log
// line per 10 % in batch logs, where carriage returns would be noise.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>

namespace ssbsim {

class Progress {
  public:
    Progress(std::int64_t total, std::ostream& out, bool interactive);
    void update(std::int64_t done);
    void finish(std::int64_t done);

  private:
    using Clock = std::chrono::steady_clock;
    void print(std::int64_t done, bool final);

    std::int64_t total_;
    std::ostream& out_;
    bool interactive_;
    Clock::time_point start_, last_print_;
    int next_decile_ = 1;
};

} // namespace ssbsim
