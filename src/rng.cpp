#include "ssbsim/rng.hpp"

#include <Random123/philox.h>
#include <cmath>
#include <numbers>

namespace ssbsim {

namespace {

struct Normals {
    double z0, z1;
};

inline Normals philox_normals(r123::Philox4x32::key_type key, std::uint32_t tag,
                              std::uint64_t step, std::uint64_t pair) {
    const r123::Philox4x32::ctr_type ctr = {
        {static_cast<std::uint32_t>(pair),
         static_cast<std::uint32_t>((pair >> 32) & 0xffffu) | tag,
         static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32)}};
    const auto r = r123::Philox4x32()(ctr, key);
    const std::uint64_t a = (std::uint64_t{r[1]} << 32) | r[0];
    const std::uint64_t b = (std::uint64_t{r[3]} << 32) | r[2];
    constexpr double ulp = 0x1.0p-53;
    const double u1 = static_cast<double>((a >> 11) + 1) * ulp; // (0, 1]: log is finite
    const double u2 = static_cast<double>(b >> 11) * ulp;      // [0, 1)
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    return {radius * std::cos(angle), radius * std::sin(angle)};
}

} // namespace

void fill_gaussian(NoiseKey key, Stream stream, std::uint64_t step, int component,
                   std::int64_t first_site, std::int64_t n, double* out) {
    if (n <= 0) return;
    const r123::Philox4x32::key_type k = {{key.seed, key.replica}};
    const std::uint32_t tag = (static_cast<std::uint32_t>(component) & 0xffu) << 16 |
                              static_cast<std::uint32_t>(stream) << 24;
    const std::int64_t last = first_site + n; // exclusive
    std::int64_t site = first_site;
    if (site & 1) { // leading odd site: second normal of its pair
        *out++ = philox_normals(k, tag, step, static_cast<std::uint64_t>(site >> 1)).z1;
        ++site;
    }
    for (; site + 2 <= last; site += 2) {
        const Normals z = philox_normals(k, tag, step, static_cast<std::uint64_t>(site >> 1));
        *out++ = z.z0;
        *out++ = z.z1;
    }
    if (site < last) *out = philox_normals(k, tag, step, static_cast<std::uint64_t>(site >> 1)).z0;
}

} // namespace ssbsim
