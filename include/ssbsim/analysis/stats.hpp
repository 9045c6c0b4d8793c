// Error analysis of Monte Carlo time series for `ssbsim analyze`: Wolff's Gamma-method, blocked
// jackknife and bootstrap, thermalisation cut (MSER) and the crossing of two curves.
// References: U. Wolff, Comput. Phys. Commun. 156 (2004) 143 [hep-lat/0306017] and his UWerr;
// K.P. White, Simulation 69 (1997) 323; White, Cobb, Spratt, Proc. WSC 2000 (MSER-5).
// Tested by tests/test_stats.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace ssbsim::stats {

// Several primary series a_1..a_k of equal length N (sample i of every series belongs to the same
// Monte Carlo time). Brace-initialise from vectors: `{x2, x4}`.
using SeriesList = std::vector<std::span<const double>>;

// A derived quantity f(<a_1>, ..., <a_k>); receives the k means in the order of the SeriesList.
using DerivedQuantity = std::function<double(std::span<const double> means)>;

// Convenience for callers that hold their series as vectors of vectors.
SeriesList as_series_list(const std::vector<std::vector<double>>& series);

// ---------------------------------------------------------------------------------------------
// Autocorrelation sums

// sum_{i=0}^{N-1-t} x_i x_{i+t} for t = 0 .. min(lags, N) - 1, by FFT (FFTW, blocked
// Wiener-Khinchin) in O(N log lags): equal to the direct sums to ~1e-15 of sum x_i^2. The
// Gamma-method computes its Gamma(t) with it.
std::vector<double> lag_sums(std::span<const double> x, std::size_t lags);

// ---------------------------------------------------------------------------------------------
// Gamma-method (Wolff 2004)

struct GammaOptions {
    // Wolff's S, the assumed ratio tau_exp / tau_int that sets the automatic window; 1.5 is his
    // default, 1 to 2 is sensible. 0 means "assume no autocorrelation" (window 0).
    double s_tau = 1.5;
    // Lags returned in rho/rho_error/tau_int_of_window: 0 means 2*window (as UWerr's plots, so the
    // window lies inside the plot); always at least the window, at most N/2.
    std::size_t max_lag = 0;
    // An estimate from fewer independent samples N/(2 tau_int) than this is refused (its error
    // of the error exceeds ~35 %); set to 0 to accept anything the windowing accepts.
    double min_effective_samples = 20.0;
};

struct GammaResult {
    double mean = 0.0;           // f(means), not bias-corrected (see jackknife for that)
    double error = 0.0;          // sqrt(C_F / N) with bias-corrected Gamma
    double error_of_error = 0.0; // error * sqrt((W + 1/2) / N)      (Wolff eq. 42)
    double tau_int = 0.0;        // integrated autocorrelation time at the window (1/2 = none)
    double tau_int_error = 0.0;  // 2 tau_int sqrt((W + 1/2 - tau_int) / N)  (Madras-Sokal)
    std::size_t window = 0;      // W: first W with g(W) < 0
    std::size_t n_samples = 0;   // N
    double n_effective = 0.0;    // N / (2 tau_int)
    // For plotting, index t = 0..max lag: rho(t) = Gamma(t)/Gamma(0) from the bias-corrected
    // Gamma, its error (Wolff eq. E.11), tau_int(W) and its error 2 tau_int(W) sqrt(W/N).
    std::vector<double> rho;
    std::vector<double> rho_error;
    std::vector<double> tau_int_of_window;
    std::vector<double> tau_int_of_window_error;
};

// Minimum N the Gamma-method accepts at all (further limits: window closes below N/2,
// min_effective_samples).
inline constexpr std::size_t min_gamma_samples = 20;

// Mean of one primary series with its error and autocorrelation. Throws InputError when the
// series is too short, constant, non-finite, or the window does not close (tau_int too large
// for the length).
GammaResult gamma_method(std::span<const double> series, const GammaOptions& options = {});

// A derived quantity of several primaries: linear error propagation on the projected series
// sum_a f_a (a_a(i) - abar_a), gradient f_a by central differences with step = the naive error
// of abar_a, as in UWerr. Primaries that do not fluctuate get a zero gradient.
GammaResult gamma_method(const SeriesList& primaries, const DerivedQuantity& f,
                         const GammaOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Blocked jackknife and bootstrap

struct JackknifeResult {
    double value = 0.0;          // f of the means of the samples used (n_blocks * block_length)
    double bias_corrected = 0.0; // n f(abar) - (n - 1) mean_i f(abar_without_block_i)
    double error = 0.0;          // sqrt((n-1)/n sum_i (f_i - mean f)^2)
    std::size_t block_length = 0;
    std::size_t n_blocks = 0;
    std::size_t n_used = 0; // trailing N mod block_length samples are not used
};

// Leave-one-block-out jackknife of f over non-overlapping blocks. Throws InputError if fewer than
// 2 blocks fit (use choose_block_length to get a block length with enough blocks). A quantity that
// does not fluctuate gets error 0, which is exact (no tau_int is needed, unlike the Gamma-method).
JackknifeResult jackknife(const SeriesList& primaries, const DerivedQuantity& f,
                          std::size_t block_length);

inline constexpr double default_block_factor = 4.0;
inline constexpr std::size_t default_min_blocks = 20;

// Block length max(1, ceil(c * tau_int_max)); throws InputError if that leaves fewer than
// min_blocks blocks in n_samples, saying how many samples would be needed. Blocks of length B
// underestimate the variance by about tau_exp / B for exponentially decaying autocorrelations,
// so c = 4 gives errors ~10 % low (seen in the tests); raise c when the series is long enough.
std::size_t choose_block_length(double tau_int_max, std::size_t n_samples,
                                double c = default_block_factor,
                                std::size_t min_blocks = default_min_blocks);

// Same, with tau_int_max the largest Gamma-method tau_int of the primaries (a constant primary
// counts as tau_int = 1/2).
std::size_t choose_block_length(const SeriesList& primaries, double c = default_block_factor,
                                std::size_t min_blocks = default_min_blocks);

struct BootstrapOptions {
    std::size_t n_resamples = 1000;
    std::size_t block_length = 1;  // > 1: non-overlapping block bootstrap for correlated data
    std::uint64_t seed = 20040306; // std::mt19937_64; same seed, same result on every platform
};

struct BootstrapResult {
    double value = 0.0;             // f of the means of the samples used
    double mean_of_resamples = 0.0; // value - mean_of_resamples estimates the bias
    double error = 0.0;             // standard deviation of f over the resamples
    std::size_t n_blocks = 0;
};

// Throws InputError if fewer than 2 blocks fit or n_resamples < 2.
BootstrapResult bootstrap(const SeriesList& primaries, const DerivedQuantity& f,
                          const BootstrapOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Thermalisation

struct ThermalisationOptions {
    // 0: automatic, max(5, N/100), i.e. about 100 batches (see below); 5 gives classic MSER-5.
    std::size_t batch_size = 0;
};

struct ThermalisationResult {
    std::size_t cut = 0;        // leading samples to drop; a multiple of batch_size, <= N/2
    std::size_t batch_size = 0; // the batch size used
    // The minimum sat at the N/2 limit: the series has probably not equilibrated at all (a drift
    // over the whole run); the cut is then a floor, not an estimate.
    bool at_limit = false;
};

// MSER-m (White 1997; m = 5: White, Cobb, Spratt 2000): over batch means Y_1..Y_k, drop the d
// leading batches that minimise sum_{j>d} (Y_j - Ybar_d)^2 / (k - d)^2, the squared standard
// error of the truncated mean. It cuts until the transient of a batch mean is about sqrt(2) of
// the batch-mean noise. With fixed m = 5 that level does not shrink as the run grows, and a slow
// transient (tau_tr samples) leaves a bias of order (tau_tr / m) / sqrt(k) errors of the mean
// (> 1 for tau_tr = 200, N = 5000). The automatic batch size keeps k ~ 100: batches longer than
// the autocorrelation time of any run long enough to analyse (MSER assumes independent batches),
// a remaining bias of ~ 14 tau_tr / N errors of the mean, a cut resolution of N/100.
// Once the transient is gone the MSER curve is flat, so noise can move the minimum later: on
// stationary series the cut is usually 0, its 95th percentile ~ 5-10 % of N, the worst seen
// ~ 25 % (data lost, no bias). The search stops at d = k/2 (White: a later minimum is not
// trustworthy); ties go to the smaller d, so the result is deterministic and a constant series
// gets cut 0. Needs at least 20 batches (N >= 100 with the automatic size), else InputError.
ThermalisationResult thermalisation_cut(std::span<const double> series,
                                        const ThermalisationOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Crossing of two curves

// y(x) with one standard error per point; the two curves of a crossing are assumed
// statistically independent (e.g. different lattice sizes).
struct Curve {
    std::span<const double> y;
    std::span<const double> error;
};

enum class Interpolation {
    linear,    // straight line through the two bracketing points
    quadratic, // weighted least-squares parabola through 4 points around the bracket; falls back
               // to linear (reported in Crossing::method) with < 4 points or no root in range
};

struct Crossing {
    double x = 0.0;
    double error = 0.0;                           // linear error propagation of the point errors
    Interpolation method = Interpolation::linear; // what was actually used
    std::size_t lower_index = 0; // the crossing is bracketed by x[lower_index], x[lower_index+1]
};

struct CrossingResult {
    std::optional<Crossing> crossing; // empty: y1 - y2 keeps its sign over the scanned range
    // Intervals where y1 - y2 changes sign; > 1 means the difference is noisy around zero (or
    // the curves really cross repeatedly) and `crossing` is the most significant one only.
    std::size_t n_sign_changes = 0;
};

// Crossing of y1 - y2 on increasing x. Of several sign changes the one where y1 - y2 jumps most
// in units of its error is taken (spurious changes of a difference that is small over a flat
// stretch jump by about their error; ties: the first). The quadratic fit uses the bracketing points
// and one neighbour on each side (shifted inwards at the ends of the range); its root is accepted
// within the fitted points, nearest the bracket, else the linear result is returned. Throws
// InputError for mismatched sizes, < 2 points, non-increasing x, negative errors, non-finite
// values.
CrossingResult find_crossing(std::span<const double> x, Curve c1, Curve c2,
                             Interpolation method = Interpolation::quadratic);

} // namespace ssbsim::stats
