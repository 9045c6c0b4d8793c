// Counter-based noise: Gaussian moments, and that a variate depends only on its counter.
#include "ssbsim/rng.hpp"

#include <Random123/philox.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace ssbsim;

namespace {
std::vector<double> draw(NoiseKey key, Stream stream, std::uint64_t step, int comp,
                         std::int64_t first, std::int64_t n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    fill_gaussian(key, stream, step, comp, first, n, v.data());
    return v;
}
} // namespace

TEST_CASE("Gaussian variates have mean 0, variance 1, kurtosis 3 within errors", "[rng]") {
    const std::int64_t n = 4'000'000;
    const auto z = draw({7, 0}, Stream::dynamics, 3, 0, 0, n);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (double x : z) {
        m1 += x;
        m2 += x * x;
        m3 += x * x * x;
        m4 += x * x * x * x;
    }
    m1 /= n, m2 /= n, m3 /= n, m4 /= n;
    // Standard errors of the sample moments of a unit normal: sqrt(Var/n) with Var(x) = 1,
    // Var(x²) = 2, Var(x³) = 15, Var(x⁴) = 96.
    const double sn = std::sqrt(static_cast<double>(n));
    CHECK(std::abs(m1) < 5.0 / sn);
    CHECK(std::abs(m2 - 1.0) < 5.0 * std::sqrt(2.0) / sn);
    CHECK(std::abs(m3) < 5.0 * std::sqrt(15.0) / sn);
    CHECK(std::abs(m4 - 3.0) < 5.0 * std::sqrt(96.0) / sn);
}

TEST_CASE("a site's variate does not depend on the range it is drawn with", "[rng]") {
    const auto whole = draw({1, 2}, Stream::dynamics, 5, 1, 0, 1001);
    for (std::int64_t first : {0, 1, 2, 3, 499, 500}) {
        for (std::int64_t n : {1, 2, 3, 100, 501}) {
            const auto part = draw({1, 2}, Stream::dynamics, 5, 1, first, n);
            for (std::int64_t i = 0; i < n; ++i)
                REQUIRE(part[i] == whole[first + i]);
        }
    }
}

TEST_CASE("key, stream, step and component each select an independent variate", "[rng]") {
    const auto base = draw({1, 0}, Stream::dynamics, 0, 0, 0, 64);
    const std::vector<std::vector<double>> others = {
        draw({2, 0}, Stream::dynamics, 0, 0, 0, 64), draw({1, 1}, Stream::dynamics, 0, 0, 0, 64),
        draw({1, 0}, Stream::init, 0, 0, 0, 64),     draw({1, 0}, Stream::dynamics, 1, 0, 0, 64),
        draw({1, 0}, Stream::dynamics, 0, 1, 0, 64),
    };
    for (const auto& o : others) {
        int same = 0;
        for (std::size_t i = 0; i < base.size(); ++i)
            same += o[i] == base[i];
        REQUIRE(same == 0);
    }
}

TEST_CASE("the counter layout is the documented one (Philox4x32-10, Box-Muller)", "[rng]") {
    // Site 2k+1 of component 3, stream init, step 2^33 + 5, key (11, 4).
    const std::uint64_t step = (std::uint64_t{1} << 33) + 5, pair = 12345;
    const r123::Philox4x32::ctr_type ctr = {
        {static_cast<std::uint32_t>(pair), (3u << 16) | (1u << 24), 5u, 2u}};
    const auto r = r123::Philox4x32()(ctr, {{11u, 4u}});
    const std::uint64_t a = (std::uint64_t{r[1]} << 32) | r[0];
    const std::uint64_t b = (std::uint64_t{r[3]} << 32) | r[2];
    const double u1 = static_cast<double>((a >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(b >> 11) * 0x1.0p-53;
    const double expected = std::sqrt(-2.0 * std::log(u1)) * std::sin(2.0 * M_PI * u2);
    const auto z = draw({11, 4}, Stream::init, step, 3, 2 * pair + 1, 1);
    REQUIRE(z[0] == Approx(expected).epsilon(1e-15));
}
