// Counter-based Gaussian noise (Random123 Philox4x32-10). The key is (seed, replica); the
// counter is (step, global site pair, component, stream), so the variate at a site is a pure
// function of where and when it is used: independent of threads, MPI layout and restarts, and
// never stored. One Philox draw gives the two normals of sites 2k and 2k+1 by Box–Muller on two
// 53-bit uniforms. Tested by test_rng (moments, bitwise reproducibility).
#pragma once

#include <cstdint>

namespace ssbsim {

struct NoiseKey {
    std::uint32_t seed = 0;
    std::uint32_t replica = 0;
};

// Independent noise streams of one key, so that e.g. the hot start never reuses the dynamics'
// noise of step 0.
enum class Stream : std::uint32_t { dynamics = 0, init = 1, momentum = 2, source = 3 };

// out[i] = standard normal of site first_site + i, for i in [0, n).
void fill_gaussian(NoiseKey key, Stream stream, std::uint64_t step, int component,
                   std::int64_t first_site, std::int64_t n, double* out);

} // namespace ssbsim
