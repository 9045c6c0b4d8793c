// Tests of include/ssbsim/analysis/stats.hpp against series with known answers: AR(1) processes
// (exact tau_int and error of the mean), replica spreads (brute-force errors of derived
// quantities), a series with a known transient, and curves with a known crossing.
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/core/errors.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace stats = ssbsim::stats;

namespace {

// Box-Muller on std::mt19937_64: unlike std::normal_distribution, the same on every library.
class Normal {
  public:
    explicit Normal(std::uint64_t seed) : rng_(seed) {}
    double operator()() {
        const double u1 = (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53; // (0, 1]
        const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

  private:
    std::mt19937_64 rng_;
};

// Stationary AR(1) with unit variance: x_t = a x_{t-1} + sqrt(1 - a^2) eta_t, rho(t) = a^|t|.
std::vector<double> ar1(double a, std::size_t n, std::uint64_t seed) {
    Normal normal(seed);
    std::vector<double> x(n);
    x[0] = normal();
    const double s = std::sqrt(1.0 - a * a);
    for (std::size_t t = 1; t < n; ++t)
        x[t] = a * x[t - 1] + s * normal();
    return x;
}

double exact_tau_int(double a) {
    return (1.0 + a) / (2.0 * (1.0 - a));
}

// Exact standard deviation of the mean of N samples of the unit-variance AR(1).
double exact_error_of_mean(double a, std::size_t n) {
    const double nd = static_cast<double>(n);
    double sum = 1.0;
    double at = 1.0;
    for (std::size_t t = 1; t < n && at > 1e-300; ++t) {
        at *= a;
        sum += 2.0 * (1.0 - static_cast<double>(t) / nd) * at;
    }
    return std::sqrt(sum / nd);
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (const double x : v)
        s += x;
    return s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
    const double m = mean(v);
    double s = 0.0;
    for (const double x : v)
        s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

std::vector<double> mapped(const std::vector<double>& x, double (*g)(double)) {
    std::vector<double> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        out[i] = g(x[i]);
    return out;
}

double square(double x) {
    return x * x;
}
double fourth(double x) {
    return x * x * x * x;
}
double absolute(double x) {
    return std::abs(x);
}

// <x^4> / <x^2>^2 from primaries {x^2, x^4}; 3 for a Gaussian.
double binder_ratio(std::span<const double> m) {
    return m[1] / (m[0] * m[0]);
}
// <x^2> - <|x|>^2 from primaries {x^2, |x|}; 1 - 2/pi for a unit Gaussian.
double abs_variance(std::span<const double> m) {
    return m[0] - m[1] * m[1];
}

} // namespace

TEST_CASE("Gamma-method reproduces tau_int and the error of the mean of AR(1) series",
          "[stats][gamma]") {
    const std::size_t n = 500'000;
    const auto a = GENERATE(0.0, 0.5, 0.9, 0.95);
    CAPTURE(a);
    const auto x = ar1(a, n, 1000 + static_cast<std::uint64_t>(100 * a));
    const auto r = stats::gamma_method(x);
    const double tau = exact_tau_int(a);
    const double err = exact_error_of_mean(a, n);
    CAPTURE(r.tau_int, r.tau_int_error, tau, r.error, r.error_of_error, err, r.window);

    CHECK(std::abs(r.tau_int - tau) < 3.0 * r.tau_int_error);
    CHECK(std::abs(r.error - err) < 3.0 * r.error_of_error);
    CHECK(std::abs(r.mean) < 4.0 * r.error);
    CHECK(r.n_samples == n);
    CHECK(r.n_effective == Approx(n / (2.0 * r.tau_int)));
    // The window must not be absurd: a few exponential times, well below N/2.
    CHECK(r.window >= 1);
    CHECK(static_cast<double>(r.window) < 15.0 * tau + 10.0);
    // Plot data: rho(0) = 1, rho(1) ~ a, tau_int(W) at the window equals tau_int.
    REQUIRE(r.rho.size() == 2 * r.window + 1);
    REQUIRE(r.rho_error.size() == r.rho.size());
    REQUIRE(r.tau_int_of_window.size() == r.rho.size());
    CHECK(r.rho[0] == Approx(1.0));
    CHECK(std::abs(r.rho[1] - a) < 3.0 * r.rho_error[1]);
    // Bartlett's formula (Wolff eq. E.11) for AR(1): var rho(1) = (1 - a^2) / N.
    CHECK(r.rho_error[1] == Approx(std::sqrt((1.0 - a * a) / n)).epsilon(0.1));
    CHECK(r.tau_int_of_window[r.window] == Approx(r.tau_int));
    CHECK(r.tau_int_of_window_error[r.window] > 0.0);
}

TEST_CASE("Gamma-method errors and tau_int errors are calibrated over replicas", "[stats][gamma]") {
    // The spread over independent replicas is the true error; the reported errors, averaged
    // over the replicas, must match it.
    const double a = 0.9;
    const std::size_t n = 50'000;
    const std::size_t replicas = 200;
    stats::GammaOptions options;
    options.max_lag = 1; // plot data up to the window only, for speed
    std::vector<double> means, errors, taus, tau_errors;
    for (std::size_t r = 0; r < replicas; ++r) {
        const auto res = stats::gamma_method(ar1(a, n, 5000 + r), options);
        means.push_back(res.mean);
        errors.push_back(res.error);
        taus.push_back(res.tau_int);
        tau_errors.push_back(res.tau_int_error);
    }
    CAPTURE(stddev(means), mean(errors), stddev(taus), mean(tau_errors), mean(taus));
    CHECK(mean(errors) / stddev(means) == Approx(1.0).epsilon(0.2));
    CHECK(mean(errors) == Approx(exact_error_of_mean(a, n)).epsilon(0.05));
    CHECK(mean(tau_errors) / stddev(taus) == Approx(1.0).epsilon(0.25));
    // Truncation of the window biases tau_int low by at most about its own error.
    CHECK(std::abs(mean(taus) - exact_tau_int(a)) < mean(tau_errors));
}

TEST_CASE("Gamma-method follows Wolff's formulas for the bias-corrected Gamma", "[stats][gamma]") {
    // Recompute Wolff's eqs. (31), (35), (42), (49) by hand at the window the method chose.
    const auto x = ar1(0.5, 300, 12);
    const auto r = stats::gamma_method(x);
    const double n = 300.0;
    const double m = mean(x);
    const auto gamma_hat = [&](std::size_t t) {
        double s = 0.0;
        for (std::size_t i = 0; i + t < x.size(); ++i)
            s += (x[i] - m) * (x[i + t] - m);
        return s / (n - static_cast<double>(t));
    };
    double c_naive = gamma_hat(0);
    for (std::size_t t = 1; t <= r.window; ++t)
        c_naive += 2.0 * gamma_hat(t);
    const double gamma0 = gamma_hat(0) + c_naive / n;
    const double c_corrected = c_naive * (1.0 + (2.0 * r.window + 1.0) / n);
    const double tau = c_corrected / (2.0 * gamma0);
    const double w = static_cast<double>(r.window);
    CHECK(r.error == Approx(std::sqrt(c_corrected / n)).epsilon(1e-12));
    CHECK(r.tau_int == Approx(tau).epsilon(1e-12));
    CHECK(r.tau_int_error == Approx(2.0 * tau * std::sqrt((w + 0.5 - tau) / n)).epsilon(1e-12));
    CHECK(r.error_of_error == Approx(r.error * std::sqrt((w + 0.5) / n)).epsilon(1e-12));
    CHECK(r.rho[1] == Approx((gamma_hat(1) + c_naive / n) / gamma0).epsilon(1e-12));
}

TEST_CASE("Gamma-method error of the mean stays unbiased for short series", "[stats][gamma]") {
    // N = 1000 at tau_int = 9.5 (~50 independent samples). Subtracting the sample mean biases
    // the windowed C_F by about -(2W+1)/N ~ -7 %, which Wolff's correction removes; what is left
    // are O(tau/N) effects of a few per cent (the average is 1.03-1.04 for S = 1.5, going to 1
    // as 1/N; without the correction it would be 0.96).
    const double a = 0.9;
    const std::size_t n = 1000;
    const std::size_t replicas = 2000;
    stats::GammaOptions options;
    options.max_lag = 1;
    options.min_effective_samples = 0.0; // refusing the unlucky replicas would bias the average
    std::vector<double> variances;
    for (std::size_t r = 0; r < replicas; ++r)
        variances.push_back(std::pow(stats::gamma_method(ar1(a, n, 70'000 + r), options).error, 2));
    const double ratio = mean(variances) / std::pow(exact_error_of_mean(a, n), 2);
    CAPTURE(ratio, stddev(variances) / mean(variances) / std::sqrt(double(replicas)));
    CHECK(ratio > 0.975);
    CHECK(ratio < 1.07);
}

TEST_CASE("Gamma-method of a linear derived quantity equals the primary analysis",
          "[stats][gamma]") {
    const auto x = ar1(0.7, 20'000, 77);
    const auto y = ar1(0.2, 20'000, 78);
    const auto direct = stats::gamma_method(x);
    // f depends on x only; y fluctuates but has zero gradient.
    const auto derived =
        stats::gamma_method({x, y}, [](std::span<const double> m) { return m[0]; });
    CHECK(derived.mean == Approx(direct.mean).margin(1e-14));
    CHECK(derived.error == Approx(direct.error).epsilon(1e-9));
    CHECK(derived.tau_int == Approx(direct.tau_int).epsilon(1e-9));
    CHECK(derived.window == direct.window);

    // A constant primary gets a zero gradient (no 0/0 from a zero step) and simply scales the
    // result.
    const std::vector<double> c(x.size(), 0.5);
    const auto scaled =
        stats::gamma_method({x, c}, [](std::span<const double> m) { return m[0] * m[1]; });
    CHECK(scaled.error == Approx(0.5 * direct.error).epsilon(1e-9));
    CHECK(scaled.tau_int == Approx(direct.tau_int).epsilon(1e-9));
}

TEST_CASE("Gamma-method with S = 0 gives the naive error", "[stats][gamma]") {
    const auto x = ar1(0.6, 10'000, 31);
    stats::GammaOptions options;
    options.s_tau = 0.0;
    const auto r = stats::gamma_method(x, options);
    CHECK(r.window == 0);
    CHECK(r.tau_int == Approx(0.5));
    CHECK(r.error == Approx(stddev(x) / std::sqrt(10'000.0)).epsilon(1e-4));
    REQUIRE(r.rho.size() == 1);
    // The same series with windowing sees tau_int = (1 + 0.6) / (2 (1 - 0.6)) = 2.
    CHECK(stats::gamma_method(x).tau_int == Approx(2.0).epsilon(0.15));
}

TEST_CASE("errors of derived quantities: Gamma-method, jackknife, bootstrap and replica spread "
          "agree",
          "[stats][gamma][jackknife][bootstrap]") {
    const double a = 0.8;
    const std::size_t n = 20'000;
    const std::size_t replicas = 150;

    struct Case {
        const char* name;
        double (*g)(double); // second primary; the first is always x^2
        double (*f)(std::span<const double>);
        double exact;
    };
    const Case c =
        GENERATE(Case{"binder", fourth, binder_ratio, 3.0},
                 Case{"abs_variance", absolute, abs_variance, 1.0 - 2.0 / std::numbers::pi});
    CAPTURE(c.name);

    stats::GammaOptions options;
    options.max_lag = 1;
    std::vector<double> values, gamma_errors, jack_errors;
    for (std::size_t r = 0; r < replicas; ++r) {
        const auto x = ar1(a, n, 9000 + r);
        const auto p1 = mapped(x, square);
        const auto p2 = mapped(x, c.g);
        const stats::SeriesList primaries{p1, p2};
        const auto gamma = stats::gamma_method(primaries, c.f, options);
        const auto block = stats::choose_block_length(primaries);
        const auto jack = stats::jackknife(primaries, c.f, block);
        values.push_back(gamma.mean);
        gamma_errors.push_back(gamma.error);
        jack_errors.push_back(jack.error);
        REQUIRE(jack.value == Approx(c.f(std::vector<double>{mean(p1), mean(p2)})).epsilon(1e-3));
        if (r == 0) {
            // One series, three independent error estimates.
            stats::BootstrapOptions bo;
            bo.block_length = block;
            bo.n_resamples = 400;
            const auto boot = stats::bootstrap(primaries, c.f, bo);
            CAPTURE(gamma.error, jack.error, boot.error, block);
            CHECK(jack.error / gamma.error == Approx(1.0).epsilon(0.2));
            CHECK(boot.error / gamma.error == Approx(1.0).epsilon(0.2));
            CHECK(boot.value == Approx(jack.value));
        }
    }
    const double spread = stddev(values);
    CAPTURE(spread, mean(gamma_errors), mean(jack_errors), mean(values));
    CHECK(mean(gamma_errors) / spread == Approx(1.0).epsilon(0.2));
    CHECK(mean(jack_errors) / spread == Approx(1.0).epsilon(0.2));
    // And the estimator itself is right (bias O(1/N) is far below the spread / sqrt(R)).
    CHECK(std::abs(mean(values) - c.exact) < 4.0 * spread / std::sqrt(double(replicas)));
}

namespace {

// Exact errors of derived quantities of x = mu + sigma z, z the unit AR(1) of coefficient a.
// A polynomial g(z) = sum_k g_k He_k(z) in the probabilists' Hermite basis has
// Cov(g(z_0), h(z_t)) = sum_{k>=1} k! g_k h_k a^{k|t|} (Mehler), so the linearised estimator
// f(abar) with gradient d has the exact variance sum_k k! (sum_p d_p g^p_k)^2 v_N(a^k), with
// v_N(r) = (1/N) [1 + 2 sum_{t=1}^{N-1} (1 - t/N) r^t] the variance of the mean of a unit
// series with rho(t) = r^t: the delta method, exact to leading order in 1/N (corrections are
// O(1/N) relative, < 1e-5 here), computed analytically, not from replicas.
using Hermite = std::vector<double>;

// Coefficients of (mu + sigma z)^power.
Hermite hermite_power(double mu, double sigma, int power) {
    Hermite c{1.0};
    for (int p = 0; p < power; ++p) {
        Hermite next(c.size() + 1, 0.0);
        for (std::size_t k = 0; k < c.size(); ++k) {
            next[k] += mu * c[k];
            next[k + 1] += sigma * c[k];                                     // z He_k = He_{k+1}
            if (k > 0) next[k - 1] += sigma * static_cast<double>(k) * c[k]; // + k He_{k-1}
        }
        c = next;
    }
    return c;
}

double mean_variance_factor(double r, std::size_t n) {
    const double nd = static_cast<double>(n);
    double sum = 1.0, rt = 1.0;
    for (std::size_t t = 1; t < n && rt > 1e-300; ++t) {
        rt *= r;
        sum += 2.0 * (1.0 - static_cast<double>(t) / nd) * rt;
    }
    return sum / nd;
}

struct Derived {
    const char* name;
    std::vector<int> powers; // the primaries x^p
    double (*f)(std::span<const double>);
};

double exact_derived_error(const Derived& q, double mu, double sigma, double a, std::size_t n) {
    std::vector<Hermite> g;
    std::vector<double> means;
    for (const int p : q.powers) {
        g.push_back(hermite_power(mu, sigma, p));
        means.push_back(g.back()[0]);
    }
    // Gradient at the exact means by central differences (f is smooth; h ~ 1e-5 relative).
    std::vector<double> d(means.size());
    for (std::size_t i = 0; i < means.size(); ++i) {
        std::vector<double> up = means, down = means;
        const double h = 1e-5 * std::abs(means[i]);
        up[i] += h;
        down[i] -= h;
        d[i] = (q.f(up) - q.f(down)) / (2.0 * h);
    }
    double var = 0.0, factorial = 1.0;
    for (std::size_t k = 1; k <= 4; ++k) {
        factorial *= static_cast<double>(k);
        double proj = 0.0;
        for (std::size_t i = 0; i < g.size(); ++i)
            proj += k < g[i].size() ? d[i] * g[i][k] : 0.0;
        var += factorial * proj * proj * mean_variance_factor(std::pow(a, double(k)), n);
    }
    return std::sqrt(var);
}

double binder_u(std::span<const double> m) { // primaries {x^2, x^4}
    return 1.0 - m[1] / (3.0 * m[0] * m[0]);
}
double chi_64(std::span<const double> m) { // primaries {x^2, x}; V = 64
    return 64.0 * (m[0] - m[1] * m[1]);
}
double ratio(std::span<const double> m) { // primaries {x^2, x}
    return m[0] / m[1];
}

} // namespace

TEST_CASE("Gamma-method errors of U, chi and a ratio are within 5 % of the exact AR(1) errors",
          "[stats][gamma][derived]") {
    // tau_int of x = 1, 10, 100: a = (2 tau - 1) / (2 tau + 1). N = 4e4 tau (at least 2e5) keeps
    // the statistical error of the error, sqrt((W + 1/2) / N), near 1 %, so 5 % is a ~4 sigma
    // criterion. The blocked jackknife with blocks of ceil(4 tau_max) (what analyze used before)
    // is checked to miss it at tau >= 10: it is biased low by ~2 a / ((1 - a^2) B) in the
    // variance, ~13 % in the error, so the test can tell the methods apart (at tau = 1 the
    // projected series hardly correlate and blocks of 4 suffice; chi's projection is the
    // z^2 mode alone, whose tau is half the block's, so its jackknife is only ~6 % low).
    const double tau = GENERATE(1.0, 10.0, 100.0);
    const double a = (2.0 * tau - 1.0) / (2.0 * tau + 1.0);
    const std::size_t n = std::max<std::size_t>(200'000, static_cast<std::size_t>(40'000 * tau));
    const double mu = 1.0, sigma = 0.5;
    CAPTURE(tau, a, n);
    REQUIRE(exact_tau_int(a) == Approx(tau));

    std::vector<double> x = ar1(a, n, 4242 + static_cast<std::uint64_t>(tau));
    for (double& v : x)
        v = mu + sigma * v;
    const std::vector<double> x2 = mapped(x, square), x4 = mapped(x, fourth);
    const auto series = [&](int p) -> const std::vector<double>& {
        return p == 1 ? x : p == 2 ? x2 : x4;
    };

    for (const Derived& q : {Derived{"binder", {2, 4}, binder_u}, Derived{"chi", {2, 1}, chi_64},
                             Derived{"ratio", {2, 1}, ratio}}) {
        const stats::SeriesList primaries{series(q.powers[0]), series(q.powers[1])};
        const auto r = stats::gamma_method(primaries, q.f);
        const double exact = exact_derived_error(q, mu, sigma, a, n);
        const auto jack = stats::jackknife(primaries, q.f, stats::choose_block_length(primaries));
        CAPTURE(q.name, r.error, exact, r.error / exact, r.error_of_error / exact, r.tau_int,
                r.window, jack.error / exact, jack.block_length);
        CHECK(std::abs(r.error / exact - 1.0) < 0.05);
        CHECK(r.error_of_error / exact < 0.02); // the criterion is meaningful
        if (tau >= 10.0 && q.powers[1] == 4 || tau >= 10.0 && q.f == ratio)
            CHECK(jack.error / exact < 0.95); // ... and the old method fails it
    }
}

TEST_CASE("the exact AR(1) derived-quantity errors agree with a replica ensemble",
          "[stats][gamma][derived]") {
    // Checks the analytic formula above (Hermite expansion, delta method) against the spread of
    // 400 independent replicas at tau = 5 (the spread has a 3.5 % standard error).
    const double a = 9.0 / 11.0; // tau_int 5
    const std::size_t n = 20'000, replicas = 400;
    const double mu = 1.0, sigma = 0.5;
    for (const Derived& q : {Derived{"binder", {2, 4}, binder_u}, Derived{"chi", {2, 1}, chi_64},
                             Derived{"ratio", {2, 1}, ratio}}) {
        std::vector<double> values;
        for (std::size_t r = 0; r < replicas; ++r) {
            std::vector<double> x = ar1(a, n, 60'000 + r);
            for (double& v : x)
                v = mu + sigma * v;
            std::vector<double> m;
            for (const int p : q.powers)
                m.push_back(mean(p == 1 ? x : p == 2 ? mapped(x, square) : mapped(x, fourth)));
            values.push_back(q.f(m));
        }
        const double exact = exact_derived_error(q, mu, sigma, a, n);
        CAPTURE(q.name, stddev(values), exact);
        CHECK(stddev(values) / exact == Approx(1.0).epsilon(0.11)); // 3 sigma of the spread
    }
}

TEST_CASE("lag sums by FFT equal the direct sums", "[stats][gamma][fft]") {
    // Blocked Wiener-Khinchin against sum_i x_i x_{i+t}: relative to sum x^2 to 1e-12, for
    // lengths that are not powers of two, lag counts below, at and above a block, and N.
    Normal normal(99);
    for (const std::size_t n : {1, 2, 3, 7, 100, 1000, 4097, 50'001}) {
        std::vector<double> x(n);
        double prev = 0.0;
        for (double& v : x)
            v = prev = 0.9 * prev + normal() + 3.0; // correlated, with a large mean
        for (const std::size_t lags : {std::size_t{1}, std::size_t{2}, std::size_t{5},
                                       std::size_t{128}, std::size_t{129}, n / 2 + 1, n, n + 10}) {
            const std::vector<double> fft = stats::lag_sums(x, lags);
            REQUIRE(fft.size() == std::min(lags, n));
            double scale = 0.0, worst = 0.0;
            for (const double v : x)
                scale += v * v;
            for (std::size_t t = 0; t < fft.size(); ++t) {
                double direct = 0.0;
                for (std::size_t i = 0; i + t < n; ++i)
                    direct += x[i] * x[i + t];
                worst = std::max(worst, std::abs(fft[t] - direct));
            }
            CAPTURE(n, lags, worst / scale);
            CHECK(worst <= 1e-12 * scale);
        }
    }
    CHECK(stats::lag_sums(std::vector<double>{}, 5).empty());
}

TEST_CASE("Gamma-method by FFT equals the direct-sum Gamma-method to 1e-12",
          "[stats][gamma][fft]") {
    // Wolff's windowing with Gamma(t) from direct O(N W) sums, written out here, against the
    // library's FFT path on a long series with a long window.
    const auto x = ar1(0.98, 200'000, 5);
    const double n = static_cast<double>(x.size());
    const double m = mean(x);
    std::vector<double> dev(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        dev[i] = x[i] - m;
    const auto gamma_direct = [&](std::size_t t) {
        double s = 0.0;
        for (std::size_t i = 0; i + t < dev.size(); ++i)
            s += dev[i] * dev[i + t];
        return s / (n - static_cast<double>(t));
    };
    std::vector<double> gamma{gamma_direct(0)};
    std::size_t window = 0;
    double g_int = 0.0;
    for (std::size_t w = 1;; ++w) {
        gamma.push_back(gamma_direct(w));
        g_int += gamma[w] / gamma[0];
        const double tau_w = g_int <= 0.0 ? 1e-16 : 1.5 / std::log((g_int + 1.0) / g_int);
        if (std::exp(-double(w) / tau_w) - tau_w / std::sqrt(double(w) * n) < 0.0) {
            window = w;
            break;
        }
    }
    double c = gamma[0];
    for (std::size_t t = 1; t <= window; ++t)
        c += 2.0 * gamma[t];
    const double c_corrected = c + (2.0 * double(window) + 1.0) * c / n;
    const double tau = c_corrected / (2.0 * (gamma[0] + c / n));

    const auto r = stats::gamma_method(x);
    CAPTURE(window, r.window, r.error, std::sqrt(c_corrected / n), r.tau_int, tau);
    REQUIRE(r.window == window);
    CHECK(std::abs(r.error / std::sqrt(c_corrected / n) - 1.0) < 1e-12);
    CHECK(std::abs(r.tau_int / tau - 1.0) < 1e-12);
    CHECK(std::abs(r.rho[window] - (gamma[window] + c / n) / (gamma[0] + c / n)) < 1e-12);
}

TEST_CASE("jackknife: plain and bias-corrected values, block bookkeeping", "[stats][jackknife]") {
    // Uncorrelated samples of x: f = <x>^2 has jackknife bias correction exactly removing the
    // O(1/n) bias sigma^2/n of the plain estimate (for block length 1).
    std::vector<double> x(1000);
    Normal normal(3);
    for (double& v : x)
        v = 2.0 + normal();
    const auto f = [](std::span<const double> m) { return m[0] * m[0]; };
    const auto jack = stats::jackknife({x}, f, 1);
    const double m = mean(x);
    double ss = 0.0;
    for (const double v : x)
        ss += (v - m) * (v - m);
    const double unbiased = m * m - ss / (1000.0 * 999.0); // m^2 - s^2/n
    CHECK(jack.value == Approx(m * m).epsilon(1e-12));
    CHECK(jack.bias_corrected == Approx(unbiased).epsilon(1e-10));
    CHECK(jack.error == Approx(2.0 * m * std::sqrt(ss / 999.0 / 1000.0)).epsilon(1e-3));

    const auto blocked = stats::jackknife({x}, f, 30);
    CHECK(blocked.n_blocks == 33);
    CHECK(blocked.n_used == 990);
    CHECK(blocked.block_length == 30);
}

TEST_CASE("block length choice follows c * tau_int and refuses too few blocks",
          "[stats][jackknife]") {
    CHECK(stats::choose_block_length(0.5, 1000) == 2);
    CHECK(stats::choose_block_length(0.1, 1000) == 1);
    CHECK(stats::choose_block_length(9.5, 1000) == 38);
    CHECK(stats::choose_block_length(2.0, 1000, 1.0) == 2);
    CHECK_THROWS_AS(stats::choose_block_length(9.5, 700), ssbsim::InputError);
    CHECK_THROWS_WITH(stats::choose_block_length(9.5, 700),
                      Catch::Contains("too short") && Catch::Contains("760 samples"));

    // From the series: tau_int of AR(0.9) is 9.5, so the block is about 38.
    const auto x = ar1(0.9, 100'000, 11);
    const std::vector<double> constant(x.size(), 1.0);
    const std::vector<std::vector<double>> both{x, constant};
    const auto block = stats::choose_block_length(stats::as_series_list(both));
    CHECK(block >= 30);
    CHECK(block <= 46);
}

TEST_CASE("bootstrap is deterministic for a seed and matches the naive error",
          "[stats][bootstrap]") {
    std::vector<double> x(5000);
    Normal normal(21);
    for (double& v : x)
        v = normal();
    const auto f = [](std::span<const double> m) { return m[0]; };
    stats::BootstrapOptions options;
    options.n_resamples = 2000;
    const auto b1 = stats::bootstrap({x}, f, options);
    const auto b2 = stats::bootstrap({x}, f, options);
    CHECK(b1.error == b2.error);
    CHECK(b1.mean_of_resamples == b2.mean_of_resamples);
    options.seed += 1;
    const auto b3 = stats::bootstrap({x}, f, options);
    CHECK(b3.error != b1.error);
    // Standard error of the mean of 5000 unit Gaussians; 2000 resamples give ~1.6 % precision.
    CHECK(b1.error == Approx(stddev(x) / std::sqrt(5000.0)).epsilon(0.06));
    CHECK(b1.value == Approx(mean(x)));
}

TEST_CASE("thermalisation cut removes an exponential transient", "[stats][thermalisation]") {
    // 10 exp(-t/200) on top of AR(0.5) noise (unit variance, tau_int 1.5), 40 realisations. Every
    // cut must leave a truncated mean whose remaining bias (known exactly) is well inside its
    // statistical error; typical cuts must be a few transient times, not a large part of the run
    // (MSER's minimum is flat once the transient is gone, so single cuts scatter to larger d).
    const std::size_t n = 20'000;
    const std::size_t realisations = 40;
    const auto transient = [](std::size_t t) {
        return 10.0 * std::exp(-static_cast<double>(t) / 200.0);
    };
    std::vector<double> cuts, cuts5, bias_over_error;
    for (std::size_t seed = 1; seed <= realisations; ++seed) {
        auto x = ar1(0.5, n, seed);
        for (std::size_t t = 0; t < n; ++t)
            x[t] += transient(t);
        const auto r = stats::thermalisation_cut(x);
        CAPTURE(seed, r.cut);
        REQUIRE(r.batch_size == n / 100);
        CHECK(r.cut % r.batch_size == 0);
        CHECK(r.cut >= 400);
        CHECK(r.cut <= n / 2);
        CHECK_FALSE(r.at_limit);
        double bias = 0.0;
        for (std::size_t t = r.cut; t < n; ++t)
            bias += transient(t);
        bias /= static_cast<double>(n - r.cut);
        bias_over_error.push_back(bias / exact_error_of_mean(0.5, n - r.cut));
        cuts.push_back(static_cast<double>(r.cut));
        cuts5.push_back(static_cast<double>(stats::thermalisation_cut(x, {5}).cut));
    }
    std::sort(cuts.begin(), cuts.end());
    std::sort(cuts5.begin(), cuts5.end());
    const double median = cuts[realisations / 2];
    const double worst_bias = *std::max_element(bias_over_error.begin(), bias_over_error.end());
    CAPTURE(median, cuts.back(), cuts5[realisations / 2], worst_bias);
    CHECK(worst_bias < 0.6);
    CHECK(median >= 600);
    CHECK(median <= 2000);
    // Classic MSER-5 cuts earlier: where the transient is ~ the noise of a 5-sample mean.
    CHECK(cuts5[realisations / 2] >= 300);
    CHECK(cuts5[realisations / 2] < median);

    // What is left of one realisation is thermalised: its mean is compatible with the true 0.
    auto x = ar1(0.5, n, 1);
    for (std::size_t t = 0; t < n; ++t)
        x[t] += transient(t);
    const auto cut = static_cast<std::ptrdiff_t>(stats::thermalisation_cut(x).cut);
    const auto g = stats::gamma_method(std::vector<double>(x.begin() + cut, x.end()));
    CHECK(std::abs(g.mean) < 4.0 * g.error);
}

TEST_CASE("thermalisation cut of stationary, constant and drifting series",
          "[stats][thermalisation]") {
    const auto x = ar1(0.5, 20'000, 4);
    CHECK(stats::thermalisation_cut(x).cut < 2000);
    CHECK(stats::thermalisation_cut(std::vector<double>(1000, 3.25)).cut == 0);
    // A drift over the whole run never equilibrates: the cut is capped at N/2 and flagged.
    std::vector<double> drift(1001);
    for (std::size_t t = 0; t < drift.size(); ++t)
        drift[t] = static_cast<double>(t);
    const auto r = stats::thermalisation_cut(drift);
    CHECK(r.cut <= drift.size() / 2);
    CHECK(r.cut >= 400);
    CHECK(r.at_limit);
    CHECK_THROWS_AS(stats::thermalisation_cut(std::vector<double>(99, 1.0)), ssbsim::InputError);
}

TEST_CASE("crossing of two straight lines is exact", "[stats][crossing]") {
    // y1 = 1 + 2x, y2 = 3 - x cross at x = 2/3.
    std::vector<double> x, y1, y2;
    for (int i = 0; i <= 10; ++i) {
        x.push_back(0.1 * i);
        y1.push_back(1.0 + 2.0 * x.back());
        y2.push_back(3.0 - x.back());
    }
    const std::vector<double> err(x.size(), 0.01);
    const std::vector<double> zero(x.size(), 0.0);
    for (const auto method : {stats::Interpolation::linear, stats::Interpolation::quadratic}) {
        for (const auto* e : {&err, &zero}) {
            const auto r = stats::find_crossing(x, {y1, *e}, {y2, *e}, method);
            REQUIRE(r.crossing.has_value());
            CHECK(r.n_sign_changes == 1);
            CHECK(r.crossing->x == Approx(2.0 / 3.0).epsilon(1e-12));
            CHECK(r.crossing->method == method);
            CHECK(r.crossing->lower_index == 6);
            if (e == &zero) CHECK(r.crossing->error == 0.0);
        }
    }
    // Linear error by hand: d = 3x - 2 at 0.6, 0.7 is -0.2, 0.1; sigma_d = 0.01 sqrt(2).
    const auto r = stats::find_crossing(x, {y1, err}, {y2, err}, stats::Interpolation::linear);
    const double sd = 0.01 * std::sqrt(2.0);
    const double expected = 0.1 * std::sqrt(0.01 * sd * sd + 0.04 * sd * sd) / (0.3 * 0.3);
    CHECK(r.crossing->error == Approx(expected).epsilon(1e-9));
    // A parabola with both roots inside the 4 fitted points: the root in the bracket is taken.
    // d = 10 (x - 0.45)(x - 0.62) on 0.3..0.7 changes sign twice; the steeper change is at 0.62.
    const std::vector<double> xp{0.3, 0.4, 0.5, 0.6, 0.7};
    std::vector<double> parabola, one(xp.size(), 1.0);
    for (const double v : xp)
        parabola.push_back(1.0 + 10.0 * (v - 0.45) * (v - 0.62));
    const std::vector<double> no_error(xp.size(), 0.0);
    const auto two = stats::find_crossing(xp, {parabola, no_error}, {one, no_error});
    REQUIRE(two.crossing.has_value());
    CHECK(two.n_sign_changes == 2);
    CHECK(two.crossing->method == stats::Interpolation::quadratic);
    CHECK(two.crossing->x == Approx(0.62).epsilon(1e-12));

    // Two points only: quadratic falls back to linear.
    const std::vector<double> x2{0.6, 0.7}, a{2.2, 2.4}, b{2.4, 2.3}, e2{0.01, 0.01};
    const auto few = stats::find_crossing(x2, {a, e2}, {b, e2});
    REQUIRE(few.crossing.has_value());
    CHECK(few.crossing->method == stats::Interpolation::linear);
    CHECK(few.crossing->x == Approx(2.0 / 3.0).epsilon(1e-12));
}

TEST_CASE("crossing of noisy curves lies within its error", "[stats][crossing]") {
    // Binder-like curves of two "sizes" crossing at x = 0.5; the pulls over many noisy copies
    // must have mean 0 and width 1 if the propagated error is right.
    const auto method = GENERATE(stats::Interpolation::linear, stats::Interpolation::quadratic);
    std::vector<double> x;
    for (int i = 0; i < 10; ++i)
        x.push_back(0.05 + 0.1 * i);
    const double sigma = 0.01;
    const std::vector<double> err(x.size(), sigma);
    Normal normal(99);
    std::vector<double> pulls;
    for (int rep = 0; rep < 400; ++rep) {
        std::vector<double> y1, y2;
        for (const double xi : x) {
            y1.push_back(0.6 + 0.5 * std::tanh(4.0 * (xi - 0.5)) + sigma * normal());
            y2.push_back(0.6 + 0.5 * std::tanh(8.0 * (xi - 0.5)) + sigma * normal());
        }
        const auto r = stats::find_crossing(x, {y1, err}, {y2, err}, method);
        REQUIRE(r.crossing.has_value());
        pulls.push_back((r.crossing->x - 0.5) / r.crossing->error);
    }
    CAPTURE(mean(pulls), stddev(pulls));
    CHECK(std::abs(mean(pulls)) < 0.15);
    CHECK(stddev(pulls) == Approx(1.0).epsilon(0.15));
}

TEST_CASE("no crossing in the scanned range is a flag, not an error", "[stats][crossing]") {
    const std::vector<double> x{0.0, 1.0, 2.0, 3.0, 4.0};
    const std::vector<double> y1{1.0, 1.1, 1.2, 1.3, 1.4};
    const std::vector<double> y2{0.0, 0.2, 0.4, 0.6, 0.8};
    const std::vector<double> e(5, 0.05);
    const auto r = stats::find_crossing(x, {y1, e}, {y2, e});
    CHECK_FALSE(r.crossing.has_value());
    CHECK(r.n_sign_changes == 0);

    // Several sign changes (d = 0.01, -0.01, -0.2, 0.2, 0.3): the steep one is reported, the
    // count warns.
    const std::vector<double> z{0.99, 1.11, 1.4, 1.1, 1.1};
    const auto noisy = stats::find_crossing(x, {y1, e}, {z, e});
    REQUIRE(noisy.crossing.has_value());
    CHECK(noisy.n_sign_changes == 2);
    CHECK(noisy.crossing->lower_index == 2);
    const auto steep =
        stats::find_crossing(x, {y1, e}, {z, e}, stats::Interpolation::linear).crossing;
    CHECK(steep->x == Approx(2.5));
}

TEST_CASE("unusable input is refused with an InputError, never a NaN", "[stats][errors]") {
    using Catch::Contains;
    using ssbsim::InputError;
    const auto f = [](std::span<const double> m) { return m[0] / m[1]; };

    SECTION("too short") {
        const std::vector<double> shorty{1.0, 2.0, 0.5, 0.7, 1.1};
        CHECK_THROWS_WITH(stats::gamma_method(shorty), Contains("at least 20 samples"));
        CHECK_THROWS_AS(stats::jackknife({shorty}, f, 5), InputError);
        CHECK_THROWS_AS(stats::bootstrap({shorty}, f, {100, 3, 1}), InputError);
    }
    SECTION("constant") {
        const std::vector<double> c(1000, 0.1);
        CHECK_THROWS_WITH(stats::gamma_method(c), Contains("constant"));
        CHECK_THROWS_WITH(stats::gamma_method({c, c}, f), Contains("does not fluctuate"));
        // The jackknife of a constant is well defined: zero error.
        const auto jack = stats::jackknife({c, c}, f, 10);
        CHECK(jack.value == Approx(1.0));
        CHECK(jack.error == Approx(0.0).margin(1e-14));
    }
    SECTION("autocorrelation time not small compared with the length") {
        // A random walk of 400 steps: the window never closes, or far too few independent
        // samples remain.
        std::vector<double> walk(400);
        Normal normal(5);
        for (std::size_t t = 1; t < walk.size(); ++t)
            walk[t] = walk[t - 1] + normal();
        CHECK_THROWS_WITH(stats::gamma_method(walk), Contains("run longer"));
        const auto slow = ar1(0.995, 2000, 6);
        CHECK_THROWS_WITH(stats::gamma_method(slow), Contains("run longer"));
    }
    SECTION("non-finite data or derived quantity") {
        auto x = ar1(0.0, 1000, 7);
        const auto y = ar1(0.0, 1000, 8);
        x[17] = std::nan("");
        CHECK_THROWS_WITH(stats::gamma_method(x), Contains("index 17"));
        std::vector<double> zeros(1000, 0.0);
        CHECK_THROWS_WITH(stats::gamma_method({y, zeros}, f), Contains("not finite"));
        CHECK_THROWS_WITH(stats::jackknife({y, zeros}, f, 10), Contains("not finite"));
    }
    SECTION("mismatched primaries") {
        const auto x = ar1(0.0, 1000, 7);
        const auto y = ar1(0.0, 999, 8);
        CHECK_THROWS_WITH(stats::gamma_method({x, y}, f), Contains("999"));
    }
    SECTION("bad crossing input") {
        const std::vector<double> x{0.0, 1.0, 1.0}, y{1.0, 0.0, -1.0}, e{0.1, 0.1, 0.1};
        CHECK_THROWS_WITH(stats::find_crossing(x, {y, e}, {e, e}), Contains("increasing"));
        const std::vector<double> x2{0.0, 1.0};
        CHECK_THROWS_AS(stats::find_crossing(x2, {y, e}, {e, e}), InputError);
        const std::vector<double> neg{0.1, -0.1, 0.1}, xs{0.0, 1.0, 2.0};
        CHECK_THROWS_AS(stats::find_crossing(xs, {y, neg}, {e, e}), InputError);
    }
}
