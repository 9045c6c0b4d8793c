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
#include <utility>

namespace ssbsim::detail {

struct NoiseDraw {
    NoiseKey key;
    std::uint64_t step;
};

// make_update(a, off, xi) returns the update of component a on the tile whose first site sits
// at memory offset `off` of the component planes: a callable (t, F, φ) for the tile's site t,
// with F the force of `src` there and φ the value of `src`; xi points at the tile's noise of
// component a (nullptr without noise), drawn by the global site index (RowGeometry), not by
// `off`. The update may write site t of any field but `src`. `rows` selects the rows to update
// and their place in the whole lattice (a slab: see RowRange).
template <class MakeUpdate>
void force_sweep(const Lattice& lattice, RowRange rows, const ActionParams& p, const Field& src,
                 std::optional<NoiseDraw> noise, MakeUpdate&& make_update) {
    const int n_comp = src.components();
    const std::int64_t len = lattice.row_length();
    const ForceParams fp(lattice, p, src);
    auto sweep = [&](auto slow, auto single) {
        constexpr int S = decltype(slow)::value;
        constexpr bool Single = decltype(single)::value;
        for_each_row_with(
            rows.last - rows.first, len, [&] { return TileScratch(n_comp); },
            [&](std::int64_t r, TileScratch& s) {
                const RowGeometry g(lattice, rows.first + r, rows.global_row_offset);
                for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                    if (noise)
                        for (int a = 0; a < n_comp; ++a)
                            fill_gaussian(noise->key, Stream::dynamics, noise->step, a,
                                          g.global_site + i0, i1 - i0, s.noise_of(a));
                    if (!Single) tile_phi2(src, g, i0, i1, s.phi2.data());
                    apply_force<S, Single>(
                        lattice, fp.params, src, g, i0, i1, s.phi2.data(), [&](int a) {
                            return make_update(a, g.base + i0, noise ? s.noise_of(a) : nullptr);
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

// The sweep over the whole lattice, held entirely in memory (what every integrator runs today).
template <class MakeUpdate>
void force_sweep(const Lattice& lattice, const ActionParams& p, const Field& src,
                 std::optional<NoiseDraw> noise, MakeUpdate&& make_update) {
    force_sweep(lattice, RowRange::whole(lattice), p, src, noise,
                std::forward<MakeUpdate>(make_update));
}

// The site-local sweep: as force_sweep without the force. make_update(a, off, xi) returns a
// callable (t) for the tile's site t (component a, tile starting at `off`, noise xi or nullptr),
// called in a vectorised loop; it may write site t of any field. For the parts of a step that
// need no neighbour (BAOAB's opening B-A-O-A once the force is cached, HMC's momentum kicks).
template <class MakeUpdate>
void site_sweep(const Lattice& lattice, int n_comp, std::optional<NoiseDraw> noise,
                MakeUpdate&& make_update) {
    const std::int64_t len = lattice.row_length();
    for_each_row_with(
        lattice.rows(), len, [&] { return TileScratch(n_comp); },
        [&](std::int64_t row, TileScratch& s) {
            const RowGeometry g(lattice, row);
            for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                const std::int64_t off = g.base + i0;
                for (int a = 0; a < n_comp; ++a) {
                    if (noise) // counted by the global site, as force_sweep's
                        fill_gaussian(noise->key, Stream::dynamics, noise->step, a,
                                      g.global_site + i0, i1 - i0, s.noise_of(a));
                    auto op = make_update(a, off, noise ? s.noise_of(a) : nullptr);
#pragma omp simd
                    for (std::int64_t t = 0; t < i1 - i0; ++t)
                        op(t);
                }
            });
        });
}

} // namespace ssbsim::detail
