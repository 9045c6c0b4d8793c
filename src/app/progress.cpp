#include "ssbsim/app/progress.hpp"

#include <cstdio>
#include <string>

namespace ssbsim {

namespace {
std::string duration_text(double seconds) {
    char buf[32];
    const long s = static_cast<long>(seconds + 0.5);
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    return buf;
}
} // namespace

Progress::Progress(std::int64_t total, std::ostream& out, bool interactive)
    : total_(total), out_(out), interactive_(interactive), start_(Clock::now()),
      last_print_(start_) {}

void Progress::update(std::int64_t done) {
    if (interactive_) {
        if (Clock::now() - last_print_ > std::chrono::milliseconds(250)) print(done, false);
    } else if (total_ > 0 && done * 10 >= next_decile_ * total_) {
        while (done * 10 >= next_decile_ * total_)
            ++next_decile_;
        print(done, false);
    }
}

void Progress::finish(std::int64_t done) {
    if (interactive_) print(done, true);
}

void Progress::print(std::int64_t done, bool final) {
    last_print_ = Clock::now();
    const double elapsed = std::chrono::duration<double>(last_print_ - start_).count();
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    char buf[160];
    std::snprintf(buf, sizeof buf, "step %lld/%lld (%3.0f%%)  %.4g steps/s  elapsed %s  ETA %s",
                  static_cast<long long>(done), static_cast<long long>(total_),
                  total_ > 0 ? 100.0 * done / total_ : 100.0, rate, duration_text(elapsed).c_str(),
                  duration_text(eta).c_str());
    if (interactive_)
        out_ << '\r' << buf << (final ? "\n" : "") << std::flush;
    else
        out_ << buf << '\n' << std::flush;
}

} // namespace ssbsim
