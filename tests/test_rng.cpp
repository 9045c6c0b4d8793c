// Counter-based noise: the raw Philox words against Random123 bit for bit, the accuracy of our
// vectorised log and sincos against long-double references and libm, Gaussian moments and
// tails, and that a variate depends only on its counter (never on the range it is drawn in);
// the uniform variates: their documented counters, range (0, 1], moments, thread-independence,
// and independence from the Gaussians of the same site.
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/physics/rng.hpp"

#include <Random123/philox.h>
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <omp.h>
#include <random>
#include <vector>

using namespace ssbsim;

namespace {

std::vector<double> draw(NoiseKey key, Stream stream, std::uint64_t step, int comp,
                         std::int64_t first, std::int64_t n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    fill_gaussian(key, stream, step, comp, first, n, v.data());
    return v;
}

std::vector<double> draw_uniform(NoiseKey key, Stream stream, std::uint64_t step, int comp,
                                 std::int64_t first, std::int64_t n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    fill_uniform(key, stream, step, comp, first, n, v.data());
    return v;
}

// The documented counter of a site pair (uniform: the counters of fill_uniform).
r123::Philox4x32::ctr_type counter(std::uint64_t pair, int component, Stream stream,
                                   std::uint64_t step, bool uniform = false) {
    return {{static_cast<std::uint32_t>(pair),
             static_cast<std::uint32_t>((pair >> 32) & 0xffffu) |
                 static_cast<std::uint32_t>(component) << 16 |
                 static_cast<std::uint32_t>(stream) << 24 |
                 static_cast<std::uint32_t>(uniform) << 31,
             static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32)}};
}

// |x − ref| in units of the double ulp at ref (ref computed in long double).
double ulps(double x, long double ref) {
    const double r = static_cast<double>(ref);
    const double ulp = r == 0.0 ? std::numeric_limits<double>::denorm_min()
                                : std::nextafter(std::abs(r), INFINITY) - std::abs(r);
    return static_cast<double>(std::abs(static_cast<long double>(x) - ref) / ulp);
}

// Integers of every bit length 1..bits, plus each power of two and its neighbours.
std::vector<std::uint64_t> spread_integers(int bits, std::size_t random_count) {
    std::vector<std::uint64_t> v;
    std::mt19937_64 gen(42);
    for (int b = 1; b <= bits; ++b) {
        const std::uint64_t p = std::uint64_t{1} << (b - 1);
        for (std::uint64_t d : {std::uint64_t{0}, std::uint64_t{1}, p - 1})
            v.push_back(p + d);
        v.push_back(p - 1);
    }
    for (std::size_t i = 0; i < random_count; ++i) {
        const int b = 1 + static_cast<int>(gen() % static_cast<std::uint64_t>(bits));
        v.push_back((gen() >> (64 - b)) | (std::uint64_t{1} << (b - 1)));
    }
    return v;
}

} // namespace

TEST_CASE("the raw Philox words are Random123's Philox4x32-10, bit for bit", "[rng]") {
    struct Case {
        NoiseKey key;
        Stream stream;
        std::uint64_t step;
        int component;
        std::uint64_t first_pair;
    };
    const Case cases[] = {
        {{0, 0}, Stream::dynamics, 0, 0, 0},
        {{11, 4}, Stream::init, (std::uint64_t{1} << 33) + 5, 3, 12345},
        {{0xffffffffu, 0xdeadbeefu}, Stream::source, ~std::uint64_t{0}, 255, 0xfffffff0u},
        {{7, 1}, Stream::momentum, 99, 1, (std::uint64_t{0xabcd} << 32) + 17}, // high 16 bits
    };
    const std::int64_t pairs = 77; // not a multiple of any vector length
    for (const Case& c : cases) {
        std::vector<std::uint32_t> words(4 * pairs);
        rng_detail::philox_words(c.key, c.stream, c.step, c.component, c.first_pair, pairs,
                                 words.data());
        for (std::int64_t j = 0; j < pairs; ++j) {
            const auto ref =
                r123::Philox4x32()(counter(c.first_pair + j, c.component, c.stream, c.step),
                                   {{c.key.seed, c.key.replica}});
            for (int w = 0; w < 4; ++w)
                REQUIRE(words[4 * j + w] == ref[w]);
        }
    }
}

TEST_CASE("log of a 53-bit uniform is within 1 ulp over its whole range", "[rng]") {
    auto m = spread_integers(53, 1'000'000);
    m.push_back(std::uint64_t{1} << 53); // u = 1
    for (std::uint64_t d = 1; d <= 1000; ++d)
        m.push_back((std::uint64_t{1} << 53) - d); // u → 1
    std::vector<double> out(m.size());
    rng_detail::log_u53(m.data(), static_cast<std::int64_t>(m.size()), out.data());
    double worst = 0.0, worst_libm = 0.0;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const long double u = std::ldexp(static_cast<long double>(m[i]), -53); // exact
        const long double ref = std::log(u);
        worst = std::max(worst, ulps(out[i], ref));
        worst_libm = std::max(worst_libm, ulps(std::log(static_cast<double>(u)), ref));
        if (m[i] == std::uint64_t{1} << 53) REQUIRE(out[i] == 0.0);
    }
    INFO("max error " << worst << " ulp (libm " << worst_libm << " ulp)");
    CHECK(worst <= 1.0);
}

TEST_CASE("sin and cos of 2 pi u are within 1 ulp over the whole range of u", "[rng]") {
    auto k = spread_integers(53, 1'000'000);
    // Quadrant and octant boundaries (r = 0 and r = ±1/2) and their neighbours.
    for (std::uint64_t q = 0; q < 8; ++q)
        for (std::int64_t d = -2; d <= 2; ++d)
            if (q > 0 || d >= 0) k.push_back(q * (std::uint64_t{1} << 50) + d);
    k.push_back((std::uint64_t{1} << 53) - 1);
    std::vector<double> s(k.size()), c(k.size());
    rng_detail::sincos_2pi_u53(k.data(), static_cast<std::int64_t>(k.size()), s.data(), c.data());
    double worst = 0.0, worst_abs_libm = 0.0;
    constexpr long double pio2 = std::numbers::pi_v<long double> / 2;
    for (std::size_t i = 0; i < k.size(); ++i) {
        // Reference: the exact identity sin(2πu) = ±sin or ±cos(π/2 · r), r = 4u − n, evaluated
        // in long double on the small exact r (a long-double 2πu would itself be too coarse
        // near the zeros of sin and cos).
        const std::int64_t n = static_cast<std::int64_t>((k[i] + (std::uint64_t{1} << 50)) >> 51);
        const long double r =
            std::ldexp(static_cast<long double>(static_cast<std::int64_t>(k[i]) - (n << 51)), -51);
        const long double sr = std::sin(pio2 * r), cr = std::cos(pio2 * r);
        const long double ref_s[4] = {sr, cr, -sr, -cr}, ref_c[4] = {cr, -sr, -cr, sr};
        worst = std::max({worst, ulps(s[i], ref_s[n & 3]), ulps(c[i], ref_c[n & 3])});
        const double angle = 2.0 * std::numbers::pi * std::ldexp(static_cast<double>(k[i]), -53);
        worst_abs_libm = std::max(
            {worst_abs_libm, std::abs(s[i] - std::sin(angle)), std::abs(c[i] - std::cos(angle))});
    }
    INFO("max error " << worst << " ulp; max |difference| from libm's sin(2*pi*u) "
                      << worst_abs_libm);
    CHECK(worst <= 1.0);
    // libm rounds the angle 2πu first, an absolute error up to ulp(2π)/2.
    CHECK(worst_abs_libm <= 1e-15);
}

TEST_CASE("the counter layout is the documented one (Philox4x32-10, Box-Muller)", "[rng]") {
    const NoiseKey key{11, 4};
    const std::uint64_t step = (std::uint64_t{1} << 33) + 5;
    const int component = 3;
    const std::int64_t first_pair = 12345, pairs = 500;
    const auto z = draw(key, Stream::init, step, component, 2 * first_pair, 2 * pairs);
    double worst = 0.0;
    for (std::int64_t j = 0; j < pairs; ++j) {
        const auto r = r123::Philox4x32()(counter(first_pair + j, component, Stream::init, step),
                                          {{key.seed, key.replica}});
        const std::uint64_t a = (std::uint64_t{r[1]} << 32) | r[0];
        const std::uint64_t b = (std::uint64_t{r[3]} << 32) | r[2];
        const long double u1 = std::ldexp(static_cast<long double>((a >> 11) + 1), -53);
        const long double u2 = std::ldexp(static_cast<long double>(b >> 11), -53);
        const long double radius = std::sqrt(-2.0L * std::log(u1));
        const long double angle = 2.0L * std::numbers::pi_v<long double> * u2;
        // Site 2k takes r cos θ, site 2k+1 takes r sin θ. The tolerance is absolute at the
        // scale of the radius (the long-double angle is only accurate to ~1e-18 absolutely).
        const double scale = std::max(1.0, static_cast<double>(radius));
        const double e0 = std::abs(z[2 * j] - static_cast<double>(radius * std::cos(angle)));
        const double e1 = std::abs(z[2 * j + 1] - static_cast<double>(radius * std::sin(angle)));
        worst = std::max({worst, e0 / scale, e1 / scale});
    }
    INFO("max deviation " << worst << " relative to max(1, radius)");
    CHECK(worst < 1e-15);
}

TEST_CASE("Gaussian variates have mean 0, variance 1, skewness 0, kurtosis 3 within errors",
          "[rng]") {
    const std::int64_t n = 4'000'000;
    const auto z = draw({7, 0}, Stream::dynamics, 3, 0, 1, n); // odd start: pairs split
    // Both halves of a pair (cos and sin) and all sites together.
    for (int parity : {0, 1, 2}) {
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0, count = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            if (parity < 2 && (i & 1) != parity) continue;
            const double x = z[i], x2 = x * x;
            m1 += x, m2 += x2, m3 += x2 * x, m4 += x2 * x2, count += 1;
        }
        m1 /= count, m2 /= count, m3 /= count, m4 /= count;
        // Standard errors of the sample moments of a unit normal: sqrt(Var/n) with Var(x) = 1,
        // Var(x²) = 2, Var(x³) = 15, Var(x⁴) = 96.
        const double sn = std::sqrt(count);
        INFO("parity " << parity << ": " << m1 << " " << m2 << " " << m3 << " " << m4);
        CHECK(std::abs(m1) < 5.0 / sn);
        CHECK(std::abs(m2 - 1.0) < 5.0 * std::sqrt(2.0) / sn);
        CHECK(std::abs(m3) < 5.0 * std::sqrt(15.0) / sn);
        CHECK(std::abs(m4 - 3.0) < 5.0 * std::sqrt(96.0) / sn);
    }
    // The two normals of one draw are uncorrelated.
    double c = 0;
    for (std::int64_t i = 1; i + 1 < n; i += 2)
        c += z[i] * z[i + 1];
    CHECK(std::abs(c / (n / 2 - 1)) < 5.0 / std::sqrt(n / 2.0));
}

TEST_CASE("Gaussian tails beyond 3, 4 and 5 sigma have the normal weight", "[rng]") {
    const std::int64_t n = 16'000'000;
    const auto z = draw({3, 1}, Stream::dynamics, 17, 2, 0, n);
    for (double k : {3.0, 4.0, 5.0}) {
        const auto beyond =
            std::count_if(z.begin(), z.end(), [&](double x) { return std::abs(x) > k; });
        const double p = std::erfc(k / std::sqrt(2.0));
        const double expected = p * static_cast<double>(n);
        const double sigma = std::sqrt(expected * (1.0 - p));
        INFO(k << " sigma: " << beyond << " beyond, expected " << expected << " +- " << sigma);
        CHECK(std::abs(static_cast<double>(beyond) - expected) < 5.0 * sigma);
    }
    // Box–Muller on 53-bit uniforms cannot exceed sqrt(-2 ln 2^-53).
    const double bound = std::sqrt(106.0 * std::numbers::ln2);
    CHECK(*std::max_element(z.begin(), z.end()) <= bound);
    CHECK(*std::min_element(z.begin(), z.end()) >= -bound);
}

TEST_CASE("a site's variate does not depend on the range it is drawn with", "[rng]") {
    const auto whole = draw({1, 2}, Stream::dynamics, 5, 1, 0, 1301);
    for (std::int64_t first : {0, 1, 2, 3, 30, 31, 32, 33, 63, 64, 65, 499, 500}) {
        for (std::int64_t n : {1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 501, 800}) {
            const auto part = draw({1, 2}, Stream::dynamics, 5, 1, first, n);
            for (std::int64_t i = 0; i < n; ++i)
                REQUIRE(part[i] == whole[first + i]);
        }
    }
    // Far from the origin (pair index above 2^32) as well.
    const std::int64_t far = (std::int64_t{3} << 33) + 7;
    const auto big = draw({1, 2}, Stream::dynamics, 5, 1, far, 100);
    for (std::int64_t first : {far, far + 1, far + 37}) {
        const auto part = draw({1, 2}, Stream::dynamics, 5, 1, first, 40);
        for (std::int64_t i = 0; i < 40; ++i)
            REQUIRE(part[i] == big[first - far + i]);
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

TEST_CASE("uniform variates are (m + 1) 2^-53 of their documented Philox counters", "[rng]") {
    const NoiseKey key{5, 9};
    const std::uint64_t step = (std::uint64_t{1} << 35) + 3;
    const int component = 2;
    const std::int64_t first_pair = 777, pairs = 300;
    const auto u = draw_uniform(key, Stream::dynamics, step, component, 2 * first_pair, 2 * pairs);
    for (std::int64_t j = 0; j < pairs; ++j) {
        const auto r =
            r123::Philox4x32()(counter(first_pair + j, component, Stream::dynamics, step, true),
                               {{key.seed, key.replica}});
        const std::uint64_t a = (std::uint64_t{r[1]} << 32) | r[0];
        const std::uint64_t b = (std::uint64_t{r[3]} << 32) | r[2];
        REQUIRE(u[2 * j] == std::ldexp(static_cast<double>((a >> 11) + 1), -53));
        REQUIRE(u[2 * j + 1] == std::ldexp(static_cast<double>((b >> 11) + 1), -53));
    }
}

TEST_CASE("uniform variates lie in 0 < u <= 1 with the moments and histogram of U(0 1)", "[rng]") {
    const std::int64_t n = 4'000'000;
    const auto u = draw_uniform({7, 0}, Stream::dynamics, 3, 0, 1, n); // odd start: pairs split
    CHECK(*std::min_element(u.begin(), u.end()) > 0.0);
    CHECK(*std::max_element(u.begin(), u.end()) <= 1.0);
    // Sample moments E u^k = 1/(k+1), standard error sqrt((E u^2k − (E u^k)²) / n).
    for (int parity : {0, 1, 2}) {
        double m[4] = {}, count = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            if (parity < 2 && (i & 1) != parity) continue;
            double p = 1.0;
            for (double& mk : m)
                mk += (p *= u[i]);
            count += 1;
        }
        for (int k = 1; k <= 4; ++k) {
            const double mean = m[k - 1] / count, exact = 1.0 / (k + 1);
            const double sd = std::sqrt((1.0 / (2 * k + 1) - exact * exact) / count);
            INFO("parity " << parity << " moment " << k << ": " << mean);
            CHECK(std::abs(mean - exact) < 5.0 * sd);
        }
    }
    // 64 equal bins: chi² with 63 degrees of freedom (mean 63, sd ~11.2), 5 sigma.
    std::vector<double> bins(64, 0.0);
    for (double x : u)
        bins[std::min<std::size_t>(63, static_cast<std::size_t>(x * 64.0))] += 1.0;
    const double expected = static_cast<double>(n) / 64.0;
    double chi2 = 0.0;
    for (double b : bins)
        chi2 += (b - expected) * (b - expected) / expected;
    INFO("chi2 " << chi2);
    CHECK(std::abs(chi2 - 63.0) < 5.0 * std::sqrt(2.0 * 63.0));
    // Neighbouring sites (the two halves of one Philox draw) are uncorrelated.
    double c = 0.0;
    for (std::int64_t i = 1; i + 1 < n; i += 2)
        c += (u[i] - 0.5) * (u[i + 1] - 0.5);
    CHECK(std::abs(c / (n / 2 - 1)) < 5.0 / 12.0 / std::sqrt(n / 2.0));
}

TEST_CASE("uniform variates have the same bits for any range and any number of threads", "[rng]") {
    const std::int64_t rows = 64, len = 1000;
    const auto whole = draw_uniform({1, 2}, Stream::init, 5, 1, 0, rows * len);
    for (std::int64_t first : {0, 1, 31, 32, 33, 499})
        for (std::int64_t n : {1, 2, 33, 64, 65, 801}) {
            const auto part = draw_uniform({1, 2}, Stream::init, 5, 1, first, n);
            for (std::int64_t i = 0; i < n; ++i)
                REQUIRE(part[i] == whole[first + i]);
        }
    // Row by row on the threads of the kernels (for_each_row), as a sampler would draw them.
    const int threads_before = omp_get_max_threads();
    for (int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        std::vector<double> rowwise(static_cast<std::size_t>(rows * len));
        for_each_row(rows, len, [&](std::int64_t r) {
            fill_uniform({1, 2}, Stream::init, 5, 1, r * len, len, rowwise.data() + r * len);
        });
        REQUIRE(std::equal(rowwise.begin(), rowwise.end(), whole.begin()));
    }
    omp_set_num_threads(threads_before);
}

TEST_CASE("uniforms are independent of the Gaussians of the same key and stream and step and site",
          "[rng]") {
    // Different counters: no uniform shares its 53 bits with the Box–Muller input of a normal.
    const std::int64_t n = 2'000'000;
    const auto u = draw_uniform({4, 1}, Stream::dynamics, 8, 0, 0, n);
    const auto z = draw({4, 1}, Stream::dynamics, 8, 0, 0, n);
    // If the uniform were the Box–Muller u1 of the same pair, |z| would be sqrt(−2 ln u).
    int equal_radius = 0;
    for (std::int64_t i = 0; i + 1 < 1000; i += 2)
        equal_radius +=
            std::abs(std::hypot(z[i], z[i + 1]) - std::sqrt(-2.0 * std::log(u[i]))) < 1e-12;
    CHECK(equal_radius == 0);
    // Correlations of u with z, z² and |z| at the same site vanish within 5 standard errors.
    double c1 = 0, c2 = 0, c3 = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double du = u[i] - 0.5;
        c1 += du * z[i];
        c2 += du * (z[i] * z[i] - 1.0);
        c3 += du * (std::abs(z[i]) - std::sqrt(2.0 / std::numbers::pi));
    }
    const double su = std::sqrt(1.0 / 12.0), sn = std::sqrt(static_cast<double>(n));
    CHECK(std::abs(c1 / n) < 5.0 * su * 1.0 / sn);
    CHECK(std::abs(c2 / n) < 5.0 * su * std::sqrt(2.0) / sn);
    CHECK(std::abs(c3 / n) < 5.0 * su * std::sqrt(1.0 - 2.0 / std::numbers::pi) / sn);
}
