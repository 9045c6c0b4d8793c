#include "ssbsim/measure/autocorrelation.hpp"

#include <algorithm>
#include <fftw3.h>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace ssbsim {

std::mutex& fftw_planner_lock() {
    static std::mutex m;
    return m;
}

namespace {

struct FftwFree {
    void operator()(void* p) const noexcept { fftw_free(p); }
};

// fftw_malloc's SIMD alignment is the alignment the plans were made for, so the new-array
// execute functions may be given any such buffer.
template <class T>
std::unique_ptr<T[], FftwFree> allocate(std::int64_t n) {
    T* p = static_cast<T*>(fftw_malloc(sizeof(T) * static_cast<std::size_t>(n)));
    if (p == nullptr) throw std::bad_alloc();
    return std::unique_ptr<T[], FftwFree>(p);
}

} // namespace

// Wiener-Khinchin: A = IFFT(|FFT x|^2) gives the circular sums; zero padding to 2L makes every
// wrapped pair vanish, which leaves the open sums.
Autocorrelation::Autocorrelation(std::int64_t length, bool periodic)
    : length_(length), size_(periodic ? length : 2 * length) {
    if (length < 1 || size_ > std::int64_t{1} << 30)
        throw std::invalid_argument("Autocorrelation: length " + std::to_string(length) +
                                    " is out of range");
    const auto real = allocate<double>(size_);
    const auto spectrum = allocate<fftw_complex>(size_ / 2 + 1);
    const int n = static_cast<int>(size_);
    const std::lock_guard<std::mutex> lock(fftw_planner_lock());
    // FFTW_ESTIMATE: the plan depends on the length alone, not on timings, so every run (and
    // every thread count) uses the same algorithm and gets the same bits.
    forward_ = fftw_plan_dft_r2c_1d(n, real.get(), spectrum.get(), FFTW_ESTIMATE);
    backward_ = fftw_plan_dft_c2r_1d(n, spectrum.get(), real.get(), FFTW_ESTIMATE);
    if (forward_ == nullptr || backward_ == nullptr) {
        if (forward_) fftw_destroy_plan(forward_);
        if (backward_) fftw_destroy_plan(backward_);
        throw std::runtime_error("FFTW could not plan a transform of length " +
                                 std::to_string(size_));
    }
}

Autocorrelation::Autocorrelation(Autocorrelation&& other) noexcept
    : length_(other.length_), size_(other.size_), forward_(other.forward_),
      backward_(other.backward_) {
    other.forward_ = other.backward_ = nullptr;
}

Autocorrelation::~Autocorrelation() {
    if (forward_ == nullptr) return;
    const std::lock_guard<std::mutex> lock(fftw_planner_lock());
    fftw_destroy_plan(forward_);
    fftw_destroy_plan(backward_);
}

std::vector<double> Autocorrelation::operator()(std::span<const double> x) const {
    if (static_cast<std::int64_t>(x.size()) != length_)
        throw std::invalid_argument("Autocorrelation: sequence of the wrong length");
    const auto real = allocate<double>(size_);
    const auto spectrum = allocate<fftw_complex>(size_ / 2 + 1);
    std::copy(x.begin(), x.end(), real.get());
    std::fill(real.get() + length_, real.get() + size_, 0.0);
    fftw_execute_dft_r2c(forward_, real.get(), spectrum.get());
    for (std::int64_t k = 0; k <= size_ / 2; ++k) {
        double* c = spectrum[k];
        c[0] = c[0] * c[0] + c[1] * c[1];
        c[1] = 0.0;
    }
    fftw_execute_dft_c2r(backward_, spectrum.get(), real.get()); // size_ times the inverse
    std::vector<double> a(static_cast<std::size_t>(length_));
    const double scale = 1.0 / static_cast<double>(size_);
    for (std::int64_t t = 0; t < length_; ++t)
        a[static_cast<std::size_t>(t)] = real[t] * scale;
    return a;
}

} // namespace ssbsim
