// Autocorrelation sums of a sequence, A(t) = sum_s x_s x_{s+t}, by FFT in O(L log L): the
// time-slice correlators of long axes (a 1D chain of 10^5 sites would otherwise cost 10^10
// products per measurement). Serial and deterministic (one plan per object), so a measurement
// keeps its bits for any thread count. Tested by test_autocorrelation.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

struct fftw_plan_s; // <fftw3.h>: fftw_plan is a pointer to it

namespace ssbsim {

// FFTW's planner keeps process-wide state and is not thread-safe (only the execute functions
// are): every plan in the program (here and in the analysis' lag sums) is made and destroyed
// under this one lock.
std::mutex& fftw_planner_lock();

// Made once per length and boundary: FFTW's planning costs milliseconds at 10^5 points, more
// than the transforms themselves. Applying it is const and thread-safe.
class Autocorrelation {
  public:
    // periodic: s + t taken modulo L (all L pairs per lag); open: only the L - t pairs with
    // s + t < L.
    Autocorrelation(std::int64_t length, bool periodic);
    Autocorrelation(Autocorrelation&& other) noexcept;
    Autocorrelation& operator=(Autocorrelation&&) = delete;
    Autocorrelation(const Autocorrelation&) = delete;
    Autocorrelation& operator=(const Autocorrelation&) = delete;
    ~Autocorrelation();

    // A(t) for t = 0..L-1; x.size() must be the length.
    std::vector<double> operator()(std::span<const double> x) const;
    std::int64_t length() const { return length_; }

  private:
    std::int64_t length_, size_; // size_: transform length (2L for an open sequence)
    fftw_plan_s* forward_ = nullptr;
    fftw_plan_s* backward_ = nullptr;
};

} // namespace ssbsim
