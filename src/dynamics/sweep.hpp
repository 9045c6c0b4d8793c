// The one sweep every integrator is built from: for each tile of each row, the step's Gaussian
// noise (if asked) lands in a per-thread L1 buffer, and each site's force goes straight from
// registers into the integrator's update, so a sweep reads its source field once from memory
// and writes its destination once. Private to src/dynamics (and layers.cpp, whose gradient
// variance needs the force at every site).
#pragma once

#include "ssbsim/core/parallel.hpp"
#include "ssbsim/physics/force.hpp"
#include "ssbsim/physics/rng.hpp"

#include <optional>

namespace ssbsim::detail {

struct NoiseDraw {
    NoiseKey key;
    std::uint64_t step;
};

// make_update(a, off, xi) returns the update of component a on the tile whose first site has
// global index off: a callable (t, F, φ) for the tile's site t, with F the force of `src` there
// and φ the value of `src`; xi points at the tile's noise of component a (nullptr without
// noise). The update may write site t of any field but `src`.
template <class MakeUpdate>
void force_sweep(const Lattice& lattice, const ActionParams& p, const Field& src,
                 std::optional<NoiseDraw> noise, MakeUpdate&& make_update) {
    const int n_comp = src.components();
    const std::int64_t len = lattice.row_length();
    const ForceParams fp(lattice, p, src);
    auto sweep = [&](auto slow, auto single) {
        constexpr int S = decltype(slow)::value;
        constexpr bool Single = decltype(single)::value;
        for_each_row_with(
            lattice.rows(), len, [&] { return TileScratch(n_comp); },
            [&](std::int64_t row, TileScratch& s) {
                const RowGeometry g(lattice, row);
                for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                    const std::int64_t off = g.base + i0;
                    if (noise)
                        for (int a = 0; a < n_comp; ++a)
                            fill_gaussian(noise->key, Stream::dynamics, noise->step, a, off,
                                          i1 - i0, s.noise_of(a));
                    if (!Single) tile_phi2(src, g, i0, i1, s.phi2.data());
                    apply_force<S, Single>(
                        lattice, fp.params, src, g, i0, i1, s.phi2.data(), [&](int a) {
                            return make_update(a, off, noise ? s.noise_of(a) : nullptr);
                        });
                });
            });
    };
    with_slow_axes(lattice.dims(), [&](auto slow) {
        if (n_comp == 1)
            sweep(slow, std::true_type{});
        else
            sweep(slow, std::false_type{});
    });
}

} // namespace ssbsim::detail
