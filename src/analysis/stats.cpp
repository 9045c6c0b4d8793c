#include "ssbsim/analysis/stats.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/measure/autocorrelation.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdio>
#include <fftw3.h>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace ssbsim::stats {

namespace {

void require(bool ok, const std::string& message) {
    if (!ok) throw InputError(message);
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

void require_finite(std::span<const double> series, const std::string& what) {
    // The message is built only on failure: this runs over every sample of every series.
    for (std::size_t i = 0; i < series.size(); ++i)
        if (!std::isfinite(series[i]))
            throw InputError(what + " contains a non-finite value at index " + std::to_string(i));
}

// Validates a list of primaries and returns their common length.
std::size_t common_length(const SeriesList& primaries) {
    require(!primaries.empty(), "no primary series given");
    const std::size_t n = primaries.front().size();
    for (std::size_t a = 0; a < primaries.size(); ++a) {
        require(primaries[a].size() == n, "primary series " + std::to_string(a) + " has " +
                                              std::to_string(primaries[a].size()) +
                                              " samples, primary 0 has " + std::to_string(n));
        require_finite(primaries[a], "primary series " + std::to_string(a));
    }
    return n;
}

bool is_constant(std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

double mean_of(std::span<const double> v) {
    double sum = 0.0;
    for (const double x : v)
        sum += x;
    return sum / static_cast<double>(v.size());
}

std::vector<double> means_of(const SeriesList& primaries) {
    std::vector<double> means;
    means.reserve(primaries.size());
    for (const auto& s : primaries)
        means.push_back(mean_of(s));
    return means;
}

double evaluate(const DerivedQuantity& f, std::span<const double> means, const char* where) {
    const double v = f(means);
    require(std::isfinite(v), std::string("the derived quantity is not finite ") + where);
    return v;
}

// ----- lag sums by FFT ------------------------------------------------------------------------

struct FftwFree {
    void operator()(void* p) const noexcept { fftw_free(p); }
};

template <class T>
std::unique_ptr<T[], FftwFree> fftw_array(std::size_t n) {
    T* p = static_cast<T*>(fftw_malloc(sizeof(T) * n));
    if (p == nullptr) throw std::bad_alloc();
    return std::unique_ptr<T[], FftwFree>(p);
}

// One real-to-complex and one complex-to-real plan of length `size` on owned buffers; FFTW_ESTIMATE
// so the plan (hence every bit of the result) depends on the length alone.
class RealTransforms {
  public:
    explicit RealTransforms(std::size_t size)
        : size_(size), real_(fftw_array<double>(size)),
          spectrum_(fftw_array<fftw_complex>(size / 2 + 1)) {
        const int n = static_cast<int>(size);
        const std::lock_guard<std::mutex> lock(fftw_planner_lock());
        forward_ = fftw_plan_dft_r2c_1d(n, real_.get(), spectrum_.get(), FFTW_ESTIMATE);
        backward_ = fftw_plan_dft_c2r_1d(n, spectrum_.get(), real_.get(), FFTW_ESTIMATE);
        if (forward_ == nullptr || backward_ == nullptr) {
            release();
            throw std::runtime_error("FFTW could not plan a transform of length " +
                                     std::to_string(size));
        }
    }
    RealTransforms(const RealTransforms&) = delete;
    RealTransforms& operator=(const RealTransforms&) = delete;
    ~RealTransforms() { release(); }

    double* real() { return real_.get(); }
    fftw_complex* spectrum() { return spectrum_.get(); }
    void forward() { fftw_execute(forward_); }   // real -> spectrum
    void backward() { fftw_execute(backward_); } // spectrum -> real, times size

  private:
    void release() {
        const std::lock_guard<std::mutex> lock(fftw_planner_lock());
        if (forward_) fftw_destroy_plan(forward_);
        if (backward_) fftw_destroy_plan(backward_);
        forward_ = backward_ = nullptr;
    }
    std::size_t size_;
    std::unique_ptr<double[], FftwFree> real_;
    std::unique_ptr<fftw_complex[], FftwFree> spectrum_;
    fftw_plan forward_ = nullptr, backward_ = nullptr;
};

// ----- Gamma-method ---------------------------------------------------------------------------

// Lags computed in the first pass of the Gamma-method; each further pass multiplies them by
// lag_growth until the window closes (cost O(N log lags) per pass, so the total stays
// O(N log W)).
constexpr std::size_t initial_lags = 128;
constexpr std::size_t lag_growth = 8;

// Gamma(t) = lag_sums(t) / (N - t), the normalisation of Wolff eq. (31), for t < lags.
std::vector<double> autocovariances(std::span<const double> dev, std::size_t lags) {
    std::vector<double> gamma = lag_sums(dev, lags);
    for (std::size_t t = 0; t < gamma.size(); ++t)
        gamma[t] /= static_cast<double>(dev.size() - t);
    return gamma;
}

// Wolff's automatic windowing (section 3.3, UWerr) on the Gamma values at hand: the first W
// with g(W) = exp(-W/tau_W) - tau_W/sqrt(W N) < 0, tau_W = S / ln((2 tau_int(W)+1)/(2
// tau_int(W)-1)). Empty when the window has not closed within the lags given but more exist
// (below N/2); throws when it does not close below N/2 at all.
std::optional<std::size_t> automatic_window(const std::vector<double>& gamma, std::size_t n,
                                            double s_tau) {
    if (s_tau == 0.0) return 0;
    const std::size_t w_max = n / 2;
    double g_int = 0.0; // tau_int(W) - 1/2 from the raw Gamma
    for (std::size_t w = 1; w <= w_max; ++w) {
        if (w >= gamma.size()) return std::nullopt;
        g_int += gamma[w] / gamma[0];
        const double tau_w = g_int <= 0.0 ? std::numeric_limits<double>::epsilon()
                                          : s_tau / std::log((g_int + 1.0) / g_int);
        const double g = std::exp(-static_cast<double>(w) / tau_w) -
                         tau_w / std::sqrt(static_cast<double>(w * n));
        if (g < 0.0) return w;
    }
    throw InputError("the autocorrelation window did not close below W = N/2 = " +
                     std::to_string(w_max) + ": the series of " + std::to_string(n) +
                     " samples is too short for its autocorrelation time; run longer");
}

// rho(t) error, Wolff eq. (E.11), summation truncated at k <= t + W; rho beyond the computed lags
// is taken as 0, as in UWerr.
std::vector<double> rho_errors(const std::vector<double>& rho, std::size_t window, double n) {
    const std::size_t t_max = rho.size() - 1;
    const auto rho_at = [&](std::size_t t) { return t <= t_max ? rho[t] : 0.0; };
    std::vector<double> err(rho.size());
    for (std::size_t t = 0; t <= t_max; ++t) {
        double sum = 0.0;
        for (std::size_t k = std::max<std::size_t>(1, t > window ? t - window : 1); k <= t + window;
             ++k) {
            const std::size_t diff = k > t ? k - t : t - k;
            const double term = rho_at(k + t) + rho_at(diff) - 2.0 * rho[t] * rho_at(k);
            sum += term * term;
        }
        err[t] = std::sqrt(sum / n);
    }
    return err;
}

void fill_plot_data(GammaResult& r, const std::vector<double>& gamma) {
    const double n = static_cast<double>(r.n_samples);
    r.rho.resize(gamma.size());
    r.tau_int_of_window.resize(gamma.size());
    r.tau_int_of_window_error.resize(gamma.size());
    double cumulative = 0.0;
    for (std::size_t t = 0; t < gamma.size(); ++t) {
        r.rho[t] = gamma[t] / gamma[0];
        cumulative += r.rho[t];
        r.tau_int_of_window[t] = cumulative - 0.5;
        r.tau_int_of_window_error[t] =
            2.0 * r.tau_int_of_window[t] * std::sqrt(static_cast<double>(t) / n);
    }
    r.rho_error = rho_errors(r.rho, r.window, n);
}

std::size_t plotted_lags(std::size_t window, std::size_t n, const GammaOptions& options) {
    const std::size_t requested = options.max_lag == 0 ? 2 * window : options.max_lag;
    return std::min(std::max(requested, window), n / 2);
}

// Everything after the projection: the Gamma-method on deviations `dev` (mean zero) of a
// quantity whose estimate is `value`.
GammaResult analyse_deviations(std::span<const double> dev, double value,
                               const GammaOptions& options) {
    const std::size_t n = dev.size();
    const double nd = static_cast<double>(n);
    require(options.s_tau >= 0.0, "Gamma-method: S must be >= 0, got " + fmt(options.s_tau));

    // Gamma by FFT over a growing number of lags until the window closes and the plotted lags
    // are covered; every lag up to N/2 exists.
    std::size_t lags = std::min(initial_lags, n / 2 + 1);
    std::vector<double> gamma = autocovariances(dev, lags);
    require(gamma[0] > 0.0, "the quantity does not fluctuate over the " + std::to_string(n) +
                                " samples: its error is zero and tau_int is undefined");
    std::optional<std::size_t> found;
    while (!(found = automatic_window(gamma, n, options.s_tau))) {
        lags = std::min(lags * lag_growth, n / 2 + 1);
        gamma = autocovariances(dev, lags);
    }
    const std::size_t window = *found;
    const std::size_t needed = plotted_lags(window, n, options) + 1;
    if (needed > gamma.size()) gamma = autocovariances(dev, needed);
    gamma.resize(needed);

    const auto c_f = [&] {
        double c = gamma[0];
        for (std::size_t t = 1; t <= window; ++t)
            c += 2.0 * gamma[t];
        return c;
    };
    const double c_first = c_f();
    require(c_first > 0.0, "Gamma-method: the summed autocorrelation is not positive (Gamma "
                           "pathological); the series is too short or not stationary");
    // Wolff eq. (49): the mean subtracted from the data biases every Gamma(t) by about -C_F/N.
    for (double& g : gamma)
        g += c_first / nd;

    GammaResult r;
    r.mean = value;
    r.n_samples = n;
    r.window = window;
    const double c_final = c_f();
    r.error = std::sqrt(c_final / nd);
    r.error_of_error = r.error * std::sqrt((static_cast<double>(window) + 0.5) / nd);
    r.tau_int = c_final / (2.0 * gamma[0]);
    r.tau_int_error = 2.0 * r.tau_int *
                      std::sqrt(std::max(0.0, static_cast<double>(window) + 0.5 - r.tau_int) / nd);
    r.n_effective = nd / (2.0 * r.tau_int);
    require(r.n_effective >= options.min_effective_samples,
            "the series of " + std::to_string(n) + " samples has tau_int = " + fmt(r.tau_int) +
                ", i.e. only " + fmt(r.n_effective) + " independent samples (< " +
                fmt(options.min_effective_samples) + " needed for a usable error); run longer");
    fill_plot_data(r, gamma);
    return r;
}

// UWerr's gradient: central differences with step = naive error of each mean.
std::vector<double> gradient(const SeriesList& primaries, const std::vector<double>& means,
                             const DerivedQuantity& f) {
    const double n = static_cast<double>(primaries.front().size());
    std::vector<double> grad(primaries.size(), 0.0);
    std::vector<double> shifted = means;
    for (std::size_t a = 0; a < primaries.size(); ++a) {
        // Its step would be 0 (0/0), or a rounding-level spread of the mean (noise).
        if (is_constant(primaries[a])) continue; // contributes no fluctuation
        double var = 0.0;
        for (const double x : primaries[a])
            var += (x - means[a]) * (x - means[a]);
        const double h = std::sqrt(var / n) / std::sqrt(n);
        shifted[a] = means[a] + h;
        const double up = evaluate(f, shifted, "near the means (numerical derivative)");
        shifted[a] = means[a] - h;
        const double down = evaluate(f, shifted, "near the means (numerical derivative)");
        shifted[a] = means[a];
        grad[a] = (up - down) / (2.0 * h);
    }
    return grad;
}

// ----- jackknife / bootstrap ------------------------------------------------------------------

// block_means[a][b]: mean of primary a over block b.
std::vector<std::vector<double>> block_means(const SeriesList& primaries, std::size_t length,
                                             std::size_t n_blocks) {
    std::vector<std::vector<double>> out;
    out.reserve(primaries.size());
    for (const auto& s : primaries) {
        std::vector<double> m(n_blocks);
        for (std::size_t b = 0; b < n_blocks; ++b)
            m[b] = mean_of(s.subspan(b * length, length));
        out.push_back(std::move(m));
    }
    return out;
}

std::size_t block_count(std::size_t n, std::size_t length, const char* method) {
    require(length >= 1, std::string(method) + ": block length must be >= 1");
    const std::size_t blocks = n / length;
    require(blocks >= 2, std::string(method) + ": " + std::to_string(n) + " samples give only " +
                             std::to_string(blocks) + " block(s) of length " +
                             std::to_string(length) + "; at least 2 are needed");
    return blocks;
}

// Unbiased integer in [0, bound) from 64 random bits by rejection: std::uniform_int_distribution
// differs between standard libraries, this does not.
std::size_t uniform_index(std::mt19937_64& rng, std::size_t bound) {
    const std::uint64_t b = bound;
    const std::uint64_t limit =
        std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % b;
    std::uint64_t r = 0;
    do {
        r = rng();
    } while (r >= limit);
    return static_cast<std::size_t>(r % b);
}

double tau_int_or_half(std::span<const double> series) {
    if (is_constant(series)) return 0.5;
    GammaOptions options;
    options.min_effective_samples = 0.0; // the caller's block-count check is the length criterion
    return gamma_method(series, options).tau_int;
}

// Thermalisation: fewest batches MSER is run on, and the batch count of the automatic batch size.
constexpr std::size_t min_batches = 20;
constexpr std::size_t auto_batches = 100;
constexpr std::size_t min_auto_batch = 5;

// ----- crossing -------------------------------------------------------------------------------

using Matrix3 = std::array<std::array<double, 3>, 3>;
using Vector3 = std::array<double, 3>;

std::optional<Matrix3> inverse(const Matrix3& m) {
    Matrix3 inv{};
    inv[0][0] = m[1][1] * m[2][2] - m[1][2] * m[2][1];
    inv[0][1] = m[0][2] * m[2][1] - m[0][1] * m[2][2];
    inv[0][2] = m[0][1] * m[1][2] - m[0][2] * m[1][1];
    inv[1][0] = m[1][2] * m[2][0] - m[1][0] * m[2][2];
    inv[1][1] = m[0][0] * m[2][2] - m[0][2] * m[2][0];
    inv[1][2] = m[0][2] * m[1][0] - m[0][0] * m[1][2];
    inv[2][0] = m[1][0] * m[2][1] - m[1][1] * m[2][0];
    inv[2][1] = m[0][1] * m[2][0] - m[0][0] * m[2][1];
    inv[2][2] = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    const double det = m[0][0] * inv[0][0] + m[0][1] * inv[1][0] + m[0][2] * inv[2][0];
    double scale = 0.0;
    for (const auto& row : m)
        for (const double v : row)
            scale = std::max(scale, std::abs(v));
    if (!(std::abs(det) > 1e-12 * scale * scale * scale)) return std::nullopt;
    for (auto& row : inv)
        for (double& v : row)
            v /= det;
    return inv;
}

struct Difference {
    std::vector<double> d;     // y1 - y2
    std::vector<double> sigma; // its error, curves independent
};

Difference difference(std::span<const double> x, const Curve& c1, const Curve& c2) {
    const std::size_t n = x.size();
    require(n >= 2, "crossing: need at least 2 points, got " + std::to_string(n));
    require(c1.y.size() == n && c2.y.size() == n && c1.error.size() == n && c2.error.size() == n,
            "crossing: x, both curves and their errors must have the same number of points");
    require_finite(x, "crossing: x");
    for (const auto* c : {&c1, &c2}) {
        require_finite(c->y, "crossing: a curve");
        require_finite(c->error, "crossing: an error");
        for (const double e : c->error)
            require(e >= 0.0, "crossing: errors must be >= 0");
    }
    for (std::size_t i = 0; i + 1 < n; ++i)
        require(x[i] < x[i + 1], "crossing: x must be strictly increasing (x[" +
                                     std::to_string(i + 1) + "] = " + fmt(x[i + 1]) + ")");
    Difference diff;
    for (std::size_t i = 0; i < n; ++i) {
        diff.d.push_back(c1.y[i] - c2.y[i]);
        diff.sigma.push_back(std::hypot(c1.error[i], c2.error[i]));
    }
    return diff;
}

// Intervals [i, i+1] containing a zero of d: a strict sign change, or an exact zero at their
// left end (or at the very last point).
std::vector<std::size_t> brackets(const std::vector<double>& d) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i + 1 < d.size(); ++i) {
        const bool last = i + 2 == d.size();
        if (d[i] * d[i + 1] < 0.0 || (d[i] == 0.0 && d[i + 1] != 0.0) ||
            (last && d[i + 1] == 0.0 && d[i] != 0.0))
            out.push_back(i);
    }
    return out;
}

// The bracket where y1 - y2 jumps most in units of its error: a spurious sign change of a noisy
// difference near zero jumps by about its error, the real crossing by much more. Exact data
// (zero errors) rank above noisy ones and by the size of the jump; ties go to the first.
std::size_t most_significant(const std::vector<std::size_t>& candidates, const Difference& diff) {
    const auto score = [&](std::size_t i) {
        const double jump = std::abs(diff.d[i + 1] - diff.d[i]);
        const double sigma = std::hypot(diff.sigma[i], diff.sigma[i + 1]);
        return sigma > 0.0 ? std::pair{0, jump / sigma} : std::pair{1, jump};
    };
    std::size_t best = candidates.front();
    for (const std::size_t i : candidates)
        if (score(i) > score(best)) best = i;
    return best;
}

Crossing linear_crossing(std::span<const double> x, const Difference& diff, std::size_t i) {
    const double d0 = diff.d[i], d1 = diff.d[i + 1];
    const double h = x[i + 1] - x[i];
    const double denom = d0 - d1;
    // x* = x_i + h d0 / (d0 - d1); derivatives with respect to d0 and d1 give the error.
    const double var = h * h *
                       (d1 * d1 * diff.sigma[i] * diff.sigma[i] +
                        d0 * d0 * diff.sigma[i + 1] * diff.sigma[i + 1]) /
                       (denom * denom * denom * denom);
    return {x[i] + h * d0 / denom, std::sqrt(var), Interpolation::linear, i};
}

// Weighted least squares d(u) = c0 + c1 u + c2 u^2 on u = (x - x_mid)/h over points [lo, lo+4),
// with the sandwich covariance so that zero errors (unweighted fit) are handled too.
std::optional<Crossing> quadratic_crossing(std::span<const double> x, const Difference& diff,
                                           std::size_t i) {
    const std::size_t n = x.size();
    if (n < 4) return std::nullopt;
    const std::size_t lo = std::min(i > 0 ? i - 1 : 0, n - 4);
    const double mid = 0.5 * (x[i] + x[i + 1]);
    const double h = x[i + 1] - x[i];
    const bool weighted = std::all_of(diff.sigma.begin() + static_cast<std::ptrdiff_t>(lo),
                                      diff.sigma.begin() + static_cast<std::ptrdiff_t>(lo + 4),
                                      [](double s) { return s > 0.0; });
    Matrix3 normal{};
    Matrix3 meat{}; // A^T W Sigma W A
    Vector3 rhs{};
    for (std::size_t k = lo; k < lo + 4; ++k) {
        const double u = (x[k] - mid) / h;
        const Vector3 row{1.0, u, u * u};
        const double var = diff.sigma[k] * diff.sigma[k];
        const double w = weighted ? 1.0 / var : 1.0;
        for (std::size_t p = 0; p < 3; ++p) {
            rhs[p] += w * row[p] * diff.d[k];
            for (std::size_t q = 0; q < 3; ++q) {
                normal[p][q] += w * row[p] * row[q];
                meat[p][q] += w * w * var * row[p] * row[q];
            }
        }
    }
    const auto inv = inverse(normal);
    if (!inv) return std::nullopt;
    Vector3 c{};
    for (std::size_t p = 0; p < 3; ++p)
        for (std::size_t q = 0; q < 3; ++q)
            c[p] += (*inv)[p][q] * rhs[q];

    // Stable roots of c2 u^2 + c1 u + c0; c2 = 0 degenerates to the linear root c0/q.
    const double disc = c[1] * c[1] - 4.0 * c[2] * c[0];
    if (disc < 0.0) return std::nullopt;
    const double q = -0.5 * (c[1] + std::copysign(std::sqrt(disc), c[1]));
    std::vector<double> roots;
    if (q != 0.0) roots.push_back(c[0] / q);
    if (c[2] != 0.0) roots.push_back(q / c[2]);
    const double u_lo = (x[lo] - mid) / h, u_hi = (x[lo + 3] - mid) / h;
    std::optional<double> best;
    for (const double r : roots)
        if (r >= u_lo && r <= u_hi && (!best || std::abs(r) < std::abs(*best))) best = r;
    if (!best) return std::nullopt;
    const double u = *best;
    const double slope = c[1] + 2.0 * c[2] * u;
    if (slope == 0.0) return std::nullopt;

    // du*/dc_p = -u^p / p'(u*); Cov(c) = N^-1 meat N^-1.
    const Vector3 g{-1.0 / slope, -u / slope, -u * u / slope};
    Vector3 ng{}; // N^-1 g
    for (std::size_t p = 0; p < 3; ++p)
        for (std::size_t q2 = 0; q2 < 3; ++q2)
            ng[p] += (*inv)[p][q2] * g[q2];
    double var = 0.0;
    for (std::size_t p = 0; p < 3; ++p)
        for (std::size_t q2 = 0; q2 < 3; ++q2)
            var += ng[p] * meat[p][q2] * ng[q2];
    return Crossing{mid + h * u, h * std::sqrt(std::max(0.0, var)), Interpolation::quadratic, i};
}

} // namespace

// Blocks of K = lags rounded up to a power of two, each transformed once, zero-padded to 2K
// (FFT A_b). The sums over pairs starting in block b are the cross-correlation of block b with
// blocks b, b+1, whose padded transform is A_b + (-1)^k A_{b+1} (a shift by K = half the length):
// C = sum_b conj(A_b) (A_b + (-1)^k A_{b+1}), and one inverse transform of C gives every
// sum_i x_i x_{i+t}, t < K, without wrapped pairs (t + i < 2K). Cost O(N log K).
std::vector<double> lag_sums(std::span<const double> x, std::size_t lags) {
    const std::size_t n = x.size();
    lags = std::min(lags, n);
    if (lags == 0) return {};
    const std::size_t k_len = std::bit_ceil(lags);
    const std::size_t size = 2 * k_len, bins = k_len + 1;
    RealTransforms fft(size);
    const std::size_t blocks = (n + k_len - 1) / k_len;
    std::vector<std::complex<double>> current(bins), next(bins), sum(bins);
    const auto transform_block = [&](std::size_t b, std::vector<std::complex<double>>& out) {
        const std::size_t begin = b * k_len, end = std::min(n, begin + k_len);
        std::copy(x.begin() + static_cast<std::ptrdiff_t>(begin),
                  x.begin() + static_cast<std::ptrdiff_t>(end), fft.real());
        std::fill(fft.real() + (end - begin), fft.real() + size, 0.0);
        fft.forward();
        for (std::size_t k = 0; k < bins; ++k)
            out[k] = {fft.spectrum()[k][0], fft.spectrum()[k][1]};
    };
    transform_block(0, current);
    for (std::size_t b = 0; b < blocks; ++b) {
        if (b + 1 < blocks)
            transform_block(b + 1, next);
        else
            std::fill(next.begin(), next.end(), std::complex<double>{});
        for (std::size_t k = 0; k < bins; ++k) {
            const std::complex<double> shifted = k % 2 == 0 ? next[k] : -next[k];
            sum[k] += std::conj(current[k]) * (current[k] + shifted);
        }
        std::swap(current, next);
    }
    for (std::size_t k = 0; k < bins; ++k) {
        fft.spectrum()[k][0] = sum[k].real();
        fft.spectrum()[k][1] = sum[k].imag();
    }
    fft.backward();
    std::vector<double> out(lags);
    const double scale = 1.0 / static_cast<double>(size);
    for (std::size_t t = 0; t < lags; ++t)
        out[t] = fft.real()[t] * scale;
    return out;
}

SeriesList as_series_list(const std::vector<std::vector<double>>& series) {
    return SeriesList(series.begin(), series.end());
}

GammaResult gamma_method(std::span<const double> series, const GammaOptions& options) {
    require(series.size() >= min_gamma_samples,
            "the Gamma-method needs at least " + std::to_string(min_gamma_samples) +
                " samples, the series has " + std::to_string(series.size()));
    require_finite(series, "the series");
    require(!is_constant(series), "the series is constant over its " +
                                      std::to_string(series.size()) +
                                      " samples: its error is zero and tau_int is undefined");
    const double mean = mean_of(series);
    std::vector<double> dev(series.size());
    std::transform(series.begin(), series.end(), dev.begin(), [&](double x) { return x - mean; });
    return analyse_deviations(dev, mean, options);
}

GammaResult gamma_method(const SeriesList& primaries, const DerivedQuantity& f,
                         const GammaOptions& options) {
    const std::size_t n = common_length(primaries);
    require(n >= min_gamma_samples, "the Gamma-method needs at least " +
                                        std::to_string(min_gamma_samples) +
                                        " samples, the series have " + std::to_string(n));
    const std::vector<double> means = means_of(primaries);
    const double value = evaluate(f, means, "at the means of the primaries");
    const std::vector<double> grad = gradient(primaries, means, f);
    std::vector<double> dev(n, 0.0);
    for (std::size_t a = 0; a < primaries.size(); ++a) {
        if (grad[a] == 0.0) continue;
        for (std::size_t i = 0; i < n; ++i)
            dev[i] += grad[a] * (primaries[a][i] - means[a]);
    }
    return analyse_deviations(dev, value, options);
}

JackknifeResult jackknife(const SeriesList& primaries, const DerivedQuantity& f,
                          std::size_t block_length) {
    const std::size_t n = common_length(primaries);
    const std::size_t n_blocks = block_count(n, block_length, "jackknife");
    const auto blocks = block_means(primaries, block_length, n_blocks);
    const double nb = static_cast<double>(n_blocks);

    std::vector<double> full(primaries.size());
    for (std::size_t a = 0; a < primaries.size(); ++a)
        full[a] = mean_of(blocks[a]);
    const double value = evaluate(f, full, "at the means of the primaries");

    std::vector<double> replicas(n_blocks);
    std::vector<double> reduced(primaries.size());
    for (std::size_t b = 0; b < n_blocks; ++b) {
        // Mean without block b, from the full mean: (nb * full - block) / (nb - 1).
        for (std::size_t a = 0; a < primaries.size(); ++a)
            reduced[a] = (nb * full[a] - blocks[a][b]) / (nb - 1.0);
        replicas[b] = evaluate(f, reduced, "on a jackknife subsample");
    }
    const double replica_mean = mean_of(replicas);
    double ss = 0.0;
    for (const double r : replicas)
        ss += (r - replica_mean) * (r - replica_mean);

    JackknifeResult r;
    r.value = value;
    r.bias_corrected = nb * value - (nb - 1.0) * replica_mean;
    r.error = std::sqrt((nb - 1.0) / nb * ss);
    r.block_length = block_length;
    r.n_blocks = n_blocks;
    r.n_used = n_blocks * block_length;
    return r;
}

std::size_t choose_block_length(double tau_int_max, std::size_t n_samples, double c,
                                std::size_t min_blocks) {
    require(std::isfinite(tau_int_max) && tau_int_max > 0.0,
            "block length: tau_int must be positive, got " + fmt(tau_int_max));
    require(std::isfinite(c) && c > 0.0, "block length: factor c must be positive");
    const auto length =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(c * tau_int_max)));
    const std::size_t blocks = n_samples / length;
    require(blocks >= min_blocks,
            "the series of " + std::to_string(n_samples) +
                " samples is too short: with tau_int = " + fmt(tau_int_max) +
                " the jackknife block length is " + std::to_string(length) + ", which leaves " +
                std::to_string(blocks) + " blocks; at least " + std::to_string(min_blocks) +
                " blocks (" + std::to_string(min_blocks * length) + " samples) are needed");
    return length;
}

std::size_t choose_block_length(const SeriesList& primaries, double c, std::size_t min_blocks) {
    const std::size_t n = common_length(primaries);
    double tau_max = 0.5;
    for (const auto& s : primaries)
        tau_max = std::max(tau_max, tau_int_or_half(s));
    return choose_block_length(tau_max, n, c, min_blocks);
}

BootstrapResult bootstrap(const SeriesList& primaries, const DerivedQuantity& f,
                          const BootstrapOptions& options) {
    const std::size_t n = common_length(primaries);
    require(options.n_resamples >= 2, "bootstrap: need at least 2 resamples");
    const std::size_t n_blocks = block_count(n, options.block_length, "bootstrap");
    const auto blocks = block_means(primaries, options.block_length, n_blocks);

    std::vector<double> full(primaries.size());
    for (std::size_t a = 0; a < primaries.size(); ++a)
        full[a] = mean_of(blocks[a]);

    std::mt19937_64 rng(options.seed);
    std::vector<double> replicas(options.n_resamples);
    std::vector<double> resampled(primaries.size());
    std::vector<std::size_t> picks(n_blocks);
    for (double& rep : replicas) {
        for (std::size_t& p : picks)
            p = uniform_index(rng, n_blocks);
        for (std::size_t a = 0; a < primaries.size(); ++a) {
            double sum = 0.0;
            for (const std::size_t p : picks)
                sum += blocks[a][p];
            resampled[a] = sum / static_cast<double>(n_blocks);
        }
        rep = evaluate(f, resampled, "on a bootstrap resample");
    }
    const double replica_mean = mean_of(replicas);
    double ss = 0.0;
    for (const double r : replicas)
        ss += (r - replica_mean) * (r - replica_mean);

    BootstrapResult r;
    r.value = evaluate(f, full, "at the means of the primaries");
    r.mean_of_resamples = replica_mean;
    r.error = std::sqrt(ss / static_cast<double>(options.n_resamples - 1));
    r.n_blocks = n_blocks;
    return r;
}

ThermalisationResult thermalisation_cut(std::span<const double> series,
                                        const ThermalisationOptions& options) {
    require_finite(series, "the series");
    const std::size_t m = options.batch_size != 0
                              ? options.batch_size
                              : std::max(min_auto_batch, series.size() / auto_batches);
    const std::size_t k = series.size() / m;
    require(k >= min_batches, "thermalisation: the series of " + std::to_string(series.size()) +
                                  " samples has " + std::to_string(k) + " batches of " +
                                  std::to_string(m) + "; at least " + std::to_string(min_batches) +
                                  " are needed");
    std::vector<double> y(k);
    for (std::size_t j = 0; j < k; ++j)
        y[j] = mean_of(series.subspan(j * m, m));

    // Welford from the end gives every suffix's sum of squared deviations without the
    // cancellation of sum(y^2) - n ybar^2 (observables like the energy have a large mean).
    const std::size_t d_max = k / 2;
    std::vector<double> mser(d_max + 1);
    double mean = 0.0, m2 = 0.0;
    for (std::size_t j = k; j-- > 0;) {
        const double count = static_cast<double>(k - j);
        const double delta = y[j] - mean;
        mean += delta / count;
        m2 += delta * (y[j] - mean);
        if (j <= d_max) mser[j] = m2 / (count * count);
    }
    const auto best = std::min_element(mser.begin(), mser.end()); // first minimum on ties
    const auto d = static_cast<std::size_t>(best - mser.begin());
    return {d * m, m, d == d_max && d > 0};
}

CrossingResult find_crossing(std::span<const double> x, Curve c1, Curve c2, Interpolation method) {
    const Difference diff = difference(x, c1, c2);
    const std::vector<std::size_t> found = brackets(diff.d);
    CrossingResult result;
    result.n_sign_changes = found.size();
    if (found.empty()) return result;
    const std::size_t i = most_significant(found, diff);
    if (method != Interpolation::linear) {
        if (auto q = quadratic_crossing(x, diff, i)) {
            result.crossing = *q;
            return result;
        }
    }
    result.crossing = linear_crossing(x, diff, i);
    return result;
}

} // namespace ssbsim::stats
