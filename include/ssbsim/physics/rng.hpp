// Counter-based noise (Random123 Philox4x32-10): Gaussian and uniform variates. The key is
// (seed, replica); the counter is (site pair low 32 bits, site pair high 16 bits | component << 16
// | stream << 24 | uniform << 31, step low 32 bits, step high 32 bits), so the variate at a site
// is a pure function of where and when it is used: independent of threads, MPI layout and
// restarts, and never stored. One Philox draw gives the two normals of sites 2k (r cos θ) and
// 2k+1 (r sin θ) by Box–Muller on two 53-bit uniforms, or (uniform bit set: other counters) the
// two uniforms of sites 2k and 2k+1. Philox and the transform are vectorised across site pairs
// with our own branch-free log and sincos (≤ ~1 ulp). Tested by test_rng (bitwise Philox against
// Random123, accuracy of log/sincos against libm, moments, tails, reproducibility under any split).
#pragma once

#include <cstdint>

namespace ssbsim {

struct NoiseKey {
    std::uint32_t seed = 0;
    std::uint32_t replica = 0;
};

// Independent noise streams of one key, so that e.g. the hot start never reuses the dynamics'
// noise of step 0 (at most 128 streams: the counter holds 7 bits). `dropout` holds the uniforms
// of [training] dropout's mask (one per neuron and step).
enum class Stream : std::uint32_t {
    dynamics = 0,
    init = 1,
    momentum = 2,
    source = 3,
    dropout = 4,
    cluster = 5, // bonds, flips and embedding directions of the cluster updates
};

// out[i] = standard normal of site first_site + i, for i in [0, n). The same site gives the
// same bits whatever range it is requested in.
void fill_gaussian(NoiseKey key, Stream stream, std::uint64_t step, int component,
                   std::int64_t first_site, std::int64_t n, double* out);

// out[i] = uniform variate in (0, 1] of site first_site + i, for i in [0, n): (m + 1) 2^-53 with
// m the top 53 bits of a 64-bit Philox output, so log(u) is always finite (Metropolis
// accept/reject, HMC). Same key, stream, step and component as a Gaussian, but other counters:
// the uniforms are independent of fill_gaussian's normals. Range-independent bits as above.
void fill_uniform(NoiseKey key, Stream stream, std::uint64_t step, int component,
                  std::int64_t first_site, std::int64_t n, double* out);

// The building blocks of fill_gaussian, exposed for test_rng only.
namespace rng_detail {

// The four raw Philox words of site pairs first_pair ... first_pair + pairs − 1:
// out[4j .. 4j+3] for pair first_pair + j.
void philox_words(NoiseKey key, Stream stream, std::uint64_t step, int component,
                  std::uint64_t first_pair, std::int64_t pairs, std::uint32_t* out);

// out[i] = ln(m[i] · 2^-53) for integers m[i] in [1, 2^53].
void log_u53(const std::uint64_t* m, std::int64_t n, double* out);

// sin and cos of 2π k[i] 2^-53 for integers k[i] in [0, 2^53).
void sincos_2pi_u53(const std::uint64_t* k, std::int64_t n, double* sin_out, double* cos_out);

} // namespace rng_detail

} // namespace ssbsim
