#include "ssbsim/physics/rng.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace ssbsim {

namespace {

// Philox4x32-10 (Salmon et al., SC'11), written out so that a loop over counters vectorises:
// every 32-bit word lives in a 64-bit lane, so the 32×32→64 products are single vpmuludq's.
// Bitwise equal to r123::Philox4x32 (test_rng checks).
constexpr std::uint64_t philox_m0 = 0xD2511F53u, philox_m1 = 0xCD9E8D57u;
constexpr std::uint32_t philox_w0 = 0x9E3779B9u, philox_w1 = 0xBB67AE85u;
constexpr int philox_rounds = 10;
constexpr std::uint64_t low32 = 0xffffffffu;

struct RoundKeys {
    std::uint64_t k0[philox_rounds], k1[philox_rounds];
    explicit RoundKeys(NoiseKey key) {
        std::uint32_t a = key.seed, b = key.replica;
        for (int r = 0; r < philox_rounds; ++r, a += philox_w0, b += philox_w1) {
            k0[r] = a;
            k1[r] = b;
        }
    }
};

struct Words {
    std::uint64_t w0, w1, w2, w3; // each < 2^32
};

[[gnu::always_inline]] inline Words philox(Words c, const RoundKeys& k) {
#pragma GCC unroll 10
    for (int r = 0; r < philox_rounds; ++r) {
        const std::uint64_t p0 = philox_m0 * c.w0, p1 = philox_m1 * c.w2;
        c = {(p1 >> 32) ^ c.w1 ^ k.k0[r], p1 & low32, (p0 >> 32) ^ c.w3 ^ k.k1[r], p0 & low32};
    }
    return c;
}

// What a counter's words become: the Gaussians of fill_gaussian or the uniforms of
// fill_uniform, never both (the top bit of the stream byte tells them apart).
enum class Variate : std::uint64_t { gaussian = 0, uniform = 1 };

// The counter of one site pair (layout documented in rng.hpp).
struct CounterBase {
    std::uint64_t tag, step_lo, step_hi;
    CounterBase(Stream stream, std::uint64_t step, int component,
                Variate variate = Variate::gaussian)
        : tag((static_cast<std::uint64_t>(component) & 0xffu) << 16 |
              (static_cast<std::uint64_t>(stream) & 0x7fu) << 24 |
              static_cast<std::uint64_t>(variate) << 31),
          step_lo(step & low32), step_hi(step >> 32) {}
    Words at(std::uint64_t pair) const {
        return {pair & low32, ((pair >> 32) & 0xffffu) | tag, step_lo, step_hi};
    }
};

// ln(m · 2^-53) for an integer m in [1, 2^53], branch-free (fdlibm's e_log.c reduction and
// minimax polynomial, < 1 ulp): m = 2^k z with z in [√2/2, √2), ln z = 2 atanh(f/(2+f)).
[[gnu::always_inline]] inline double lane_log_u53(std::uint64_t m) {
    constexpr double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01,
                     lg3 = 2.857142874366239149e-01, lg4 = 2.222219843214978396e-01,
                     lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
                     lg7 = 1.479819860511658591e-01;
    constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    constexpr std::uint64_t sqrt_half_bits = 0x3fe6a09e667f3bcdu;                  // bits of √2/2
    const std::uint64_t ix = std::bit_cast<std::uint64_t>(static_cast<double>(m)); // exact
    const std::uint64_t t = ix - sqrt_half_bits;
    const std::int64_t k = static_cast<std::int64_t>(t) >> 52; // exponent with z in [√2/2, √2)
    const double z = std::bit_cast<double>(ix - (t & (std::uint64_t{0xfff} << 52)));
    const double f = z - 1.0; // exact
    const double s = f / (2.0 + f);
    const double s2 = s * s, s4 = s2 * s2;
    const double t1 = s4 * std::fma(s4, std::fma(s4, lg6, lg4), lg2);
    const double t2 = s2 * std::fma(s4, std::fma(s4, std::fma(s4, lg7, lg5), lg3), lg1);
    const double r = t2 + t1, hfsq = 0.5 * f * f;
    const double dk = static_cast<double>(k - 53);
    return dk * ln2_hi - ((hfsq - (s * (hfsq + r) + dk * ln2_lo)) - f);
}

struct SinCos {
    double s, c;
};

// sin and cos of 2π k 2^-53 for an integer k in [0, 2^53), branch-free. The reduction to
// quadrant n and r = 4k 2^-53 − n in [−1/2, 1/2] is exact integer arithmetic (so the angle is
// never rounded, unlike sin(2π·u)); sin(πr/2) and cos(πr/2) are Taylor polynomials whose
// truncation error is below 0.05 ulp, with π/2 carried as hi + lo.
[[gnu::always_inline]] inline SinCos lane_sincos_2pi_u53(std::uint64_t k) {
    constexpr double pio2_hi = 0x1.921fb54442d18p+0, pio2_lo = 0x1.1a62633145c07p-54;
    constexpr double s1 = -0x1.4abbce625be53p-1, s2 = 0x1.466bc6775aae2p-4,
                     s3 = -0x1.32d2cce62bd86p-8, s4 = 0x1.50783487ee782p-13,
                     s5 = -0x1.e3074fde8871fp-19, s6 = 0x1.e8f434d018d63p-25,
                     s7 = -0x1.6fadb9f155744p-31, s8 = 0x1.aaec32af93359p-38;
    constexpr double c1 = -0x1.3bd3cc9be45dep+0, c1_lo = -0x1.692b71366cc04p-54,
                     c2 = 0x1.03c1f081b5ac4p-2, c3 = -0x1.55d3c7e3cbffap-6,
                     c4 = 0x1.e1f506891babbp-11, c5 = -0x1.a6d1f2a204a8cp-16,
                     c6 = 0x1.f9d38a3763cc3p-22, c7 = -0x1.b6e24f44b128fp-28,
                     c8 = 0x1.20c62c2f2d7f5p-34;
    const std::uint64_t n = (k + (std::uint64_t{1} << 50)) >> 51; // nearest quadrant, 0..4
    const double r =
        static_cast<double>(static_cast<std::int64_t>(k) - static_cast<std::int64_t>(n << 51)) *
        0x1.0p-51;
    const double r2 = r * r;
    double ps = std::fma(r2, s8, s7);
    ps = std::fma(r2, ps, s6);
    ps = std::fma(r2, ps, s5);
    ps = std::fma(r2, ps, s4);
    ps = std::fma(r2, ps, s3);
    ps = std::fma(r2, ps, s2);
    ps = std::fma(r2, ps, s1);
    const double sin_r = std::fma(r, pio2_hi, r * std::fma(r2, ps, pio2_lo));
    // cos = 1 + c1 r² + r⁴ Q(r²): the large c1 r² term is carried to double-double (the
    // rounding of r², of c1 and of 1 + c1 r² recovered by fma) so the sum is rounded once.
    double pc = std::fma(r2, c8, c7);
    pc = std::fma(r2, pc, c6);
    pc = std::fma(r2, pc, c5);
    pc = std::fma(r2, pc, c4);
    pc = std::fma(r2, pc, c3);
    pc = std::fma(r2, pc, c2);
    const double r2_err = std::fma(r, r, -r2);
    const double head = std::fma(r2, c1, 1.0);
    const double head_err = std::fma(r2, c1, 1.0 - head); // 1 − head is exact
    const double cos_r =
        head + (std::fma(r2 * r2, pc, head_err) + std::fma(c1, r2_err, c1_lo * r2));
    // Rotate by n quarter turns: (sin, cos) → (cos, −sin) per quarter.
    const bool odd = (n & 1) != 0;
    const double s = odd ? cos_r : sin_r, c = odd ? sin_r : cos_r;
    return {(n & 2) ? -s : s, ((n + 1) & 2) ? -c : c};
}

// Box–Muller on the 53-bit uniforms u1 = (a>>11 + 1) 2^-53 in (0, 1] and u2 = (b>>11) 2^-53.
[[gnu::always_inline]] inline void box_muller(const Words& w, double& z0, double& z1) {
    const std::uint64_t a = (w.w1 << 32) | w.w0, b = (w.w3 << 32) | w.w2;
    const double radius = std::sqrt(-2.0 * lane_log_u53((a >> 11) + 1));
    const SinCos sc = lane_sincos_2pi_u53(b >> 11);
    z0 = radius * sc.c;
    z1 = radius * sc.s;
}

// Pairs per vector block: a multiple of any vector length, so every pair, wherever it lies in
// a request, runs through the same vector instructions (no scalar remainder with other bits).
constexpr int block_pairs = 16;

// out[0, 2·block_pairs): the normals of sites 2·pair0 ...
[[gnu::always_inline]] inline void normals_block(const RoundKeys& keys, const CounterBase& ctr,
                                                 std::uint64_t pair0, double* __restrict out) {
    double z0[block_pairs], z1[block_pairs];
#pragma omp simd
    for (int j = 0; j < block_pairs; ++j)
        box_muller(philox(ctr.at(pair0 + static_cast<std::uint64_t>(j)), keys), z0[j], z1[j]);
#pragma omp simd
    for (int j = 0; j < block_pairs; ++j) {
        out[2 * j] = z0[j];
        out[2 * j + 1] = z1[j];
    }
}

// out[0, 2·block_pairs): the uniforms (m + 1) 2^-53 in (0, 1] of sites 2·pair0 ..., m the top
// 53 bits of the pair's words (w1 w0) for site 2k and (w3 w2) for site 2k+1.
[[gnu::always_inline]] inline void uniforms_block(const RoundKeys& keys, const CounterBase& ctr,
                                                  std::uint64_t pair0, double* __restrict out) {
    double u0[block_pairs], u1[block_pairs];
#pragma omp simd
    for (int j = 0; j < block_pairs; ++j) {
        const Words w = philox(ctr.at(pair0 + static_cast<std::uint64_t>(j)), keys);
        const std::uint64_t a = (w.w1 << 32) | w.w0, b = (w.w3 << 32) | w.w2;
        u0[j] = static_cast<double>((a >> 11) + 1) * 0x1.0p-53;
        u1[j] = static_cast<double>((b >> 11) + 1) * 0x1.0p-53;
    }
#pragma omp simd
    for (int j = 0; j < block_pairs; ++j) {
        out[2 * j] = u0[j];
        out[2 * j + 1] = u1[j];
    }
}

// Sites [first_site, first_site + n) into out, whole blocks of 2·block_pairs sites at a time by
// block(pair0, dst); a partial block at either end is generated whole into a buffer and the
// requested sites copied out, so a site's bits never depend on the range asked for.
template <class Block>
void fill_sites(std::int64_t first_site, std::int64_t n, double* out, Block&& block) {
    if (n <= 0) return;
    const std::int64_t last = first_site + n; // exclusive
    constexpr std::int64_t block_sites = 2 * block_pairs;
    double edge[block_sites];
    for (std::int64_t start = first_site & ~std::int64_t{1}; start < last; start += block_sites) {
        const bool whole = start >= first_site && start + block_sites <= last;
        block(static_cast<std::uint64_t>(start >> 1), whole ? out + (start - first_site) : edge);
        if (whole) continue;
        const std::int64_t lo = std::max(start, first_site);
        const std::int64_t hi = std::min(start + block_sites, last);
        std::memcpy(out + (lo - first_site), edge + (lo - start),
                    static_cast<std::size_t>(hi - lo) * sizeof(double));
    }
}

} // namespace

void fill_gaussian(NoiseKey key, Stream stream, std::uint64_t step, int component,
                   std::int64_t first_site, std::int64_t n, double* out) {
    const RoundKeys keys(key);
    const CounterBase ctr(stream, step, component);
    fill_sites(first_site, n, out,
               [&](std::uint64_t pair0, double* dst) { normals_block(keys, ctr, pair0, dst); });
}

void fill_uniform(NoiseKey key, Stream stream, std::uint64_t step, int component,
                  std::int64_t first_site, std::int64_t n, double* out) {
    const RoundKeys keys(key);
    const CounterBase ctr(stream, step, component, Variate::uniform);
    fill_sites(first_site, n, out,
               [&](std::uint64_t pair0, double* dst) { uniforms_block(keys, ctr, pair0, dst); });
}

namespace rng_detail {

void philox_words(NoiseKey key, Stream stream, std::uint64_t step, int component,
                  std::uint64_t first_pair, std::int64_t pairs, std::uint32_t* out) {
    const RoundKeys keys(key);
    const CounterBase ctr(stream, step, component);
#pragma omp simd
    for (std::int64_t j = 0; j < pairs; ++j) {
        const Words w = philox(ctr.at(first_pair + static_cast<std::uint64_t>(j)), keys);
        out[4 * j] = static_cast<std::uint32_t>(w.w0);
        out[4 * j + 1] = static_cast<std::uint32_t>(w.w1);
        out[4 * j + 2] = static_cast<std::uint32_t>(w.w2);
        out[4 * j + 3] = static_cast<std::uint32_t>(w.w3);
    }
}

void log_u53(const std::uint64_t* m, std::int64_t n, double* out) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = lane_log_u53(m[i]);
}

void sincos_2pi_u53(const std::uint64_t* k, std::int64_t n, double* sin_out, double* cos_out) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
        const SinCos sc = lane_sincos_2pi_u53(k[i]);
        sin_out[i] = sc.s;
        cos_out[i] = sc.c;
    }
}

} // namespace rng_detail

} // namespace ssbsim
