// Tests for include/ssbsim/measure/autocorrelation.hpp: the FFT sums equal the direct double sums,
// for periodic and open sequences of awkward lengths, and are deterministic.
#include "ssbsim/measure/autocorrelation.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

using namespace ssbsim;

namespace {

std::vector<double> direct(const std::vector<double>& x, bool periodic) {
    const std::size_t L = x.size();
    std::vector<double> a(L, 0.0);
    for (std::size_t t = 0; t < L; ++t)
        for (std::size_t s = 0; s < L; ++s)
            if (periodic || s + t < L) a[t] += x[s] * x[(s + t) % L];
    return a;
}

} // namespace

TEST_CASE("autocorrelation by FFT equals the direct sums, periodic and open", "[observables]") {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> gauss(0.3, 1.0); // a mean: C(t) does not decay to zero
    for (const std::size_t L : {1, 2, 3, 7, 8, 97, 256, 1000, 4099}) {
        std::vector<double> x(L);
        for (double& v : x)
            v = gauss(rng);
        for (const bool periodic : {true, false}) {
            INFO("L = " << L << (periodic ? " periodic" : " open"));
            const Autocorrelation plan(static_cast<std::int64_t>(L), periodic);
            const std::vector<double> want = direct(x, periodic), got = plan(x);
            REQUIRE(got.size() == L);
            double scale = 0.0; // the FFT's error is relative to the largest sum, |A(0)|
            for (const double v : want)
                scale = std::max(scale, std::abs(v));
            for (std::size_t t = 0; t < L; ++t)
                REQUIRE(std::abs(got[t] - want[t]) <= 1e-13 * scale);
            REQUIRE(plan(x) == got); // same bits again
            REQUIRE(Autocorrelation(static_cast<std::int64_t>(L), periodic)(x) == got); // new plan
        }
    }
    REQUIRE_THROWS_AS(Autocorrelation(0, true), std::invalid_argument);
    REQUIRE_THROWS_AS(Autocorrelation(4, true)(std::vector<double>(3)), std::invalid_argument);
}

TEST_CASE("autocorrelation of a plane wave is a cosine (periodic) and a triangle (constant, open)",
          "[observables]") {
    const std::size_t L = 300;
    std::vector<double> wave(L), ones(L, 1.0);
    const double k = 2.0 * std::numbers::pi * 5.0 / static_cast<double>(L);
    for (std::size_t s = 0; s < L; ++s)
        wave[s] = std::cos(k * static_cast<double>(s));
    const std::vector<double> a = Autocorrelation(L, true)(wave),
                              b = Autocorrelation(L, false)(ones);
    for (std::size_t t = 0; t < L; ++t) {
        REQUIRE(a[t] == Approx(0.5 * L * std::cos(k * static_cast<double>(t))).margin(1e-10));
        REQUIRE(b[t] == Approx(static_cast<double>(L - t)).epsilon(1e-13));
    }
}
