// The one sweep every integrator is built from: for each tile of each row, the step's Gaussian
// noise (if asked) lands in a per-thread L1 buffer, and each site's force goes straight from
// registers into the integrator's update, so a sweep reads its source field once from memory
// and writes its destination once. [training] noise = shared changes only which counter a
// site's noise is drawn at; dropout is a separately compiled sweep that masks force and noise.
// Private to src/dynamics (and layers.cpp, whose gradient variance needs the force at every
// site). Tested by test_dynamics (shared noise, dropout) and test_force (slabs).
#pragma once

#include "ssbsim/core/parallel.hpp"
#include "ssbsim/dynamics/dynamics.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/force.hpp"
#include "ssbsim/physics/rng.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <type_traits>
#include <utility>

namespace ssbsim::detail {

struct NoiseDraw {
    NoiseKey key;
    std::uint64_t step;
    // noise = shared: axes whose coordinate the counter ignores (NoiseModel::shared)
    std::array<bool, max_dims> shared{};
};

// The site whose counter site `site` draws its noise at: itself, or with the coordinates along
// the shared axes set to 0. Uses only the extents of axes 1.., so a slab split along axis 0
// counts as the whole lattice does (invariant 1).
inline std::int64_t noise_site(const Lattice& lattice, const NoiseDraw& d, std::int64_t site) {
    std::int64_t out = 0, stride = 1;
    for (int mu = lattice.dims() - 1; mu >= 0; --mu) {
        const std::int64_t q = site / stride;
        const std::int64_t x = mu == 0 ? q : q % lattice.extent(mu);
        if (!d.shared[mu]) out += x * stride;
        stride *= lattice.extent(mu);
    }
    return out;
}

// The step's Gaussians of component a for sites [i0, i1) of the row that starts at global site
// `row_site`. Independent noise: one per site. Shared: the row's sites draw from the same
// counters as the row at the origin of the shared axes, or, when the row axis is shared, all
// take the one variate of that origin.
inline void draw_noise(const Lattice& lattice, const NoiseDraw& d, std::int64_t row_site,
                       std::int64_t i0, std::int64_t i1, int a, double* out) {
    const int row_axis = lattice.dims() - 1;
    bool sharing = false;
    for (bool s : d.shared)
        sharing = sharing || s;
    if (!sharing) {
        fill_gaussian(d.key, Stream::dynamics, d.step, a, row_site + i0, i1 - i0, out);
        return;
    }
    const std::int64_t origin = noise_site(lattice, d, row_site);
    if (!d.shared[row_axis]) {
        fill_gaussian(d.key, Stream::dynamics, d.step, a, origin + i0, i1 - i0, out);
        return;
    }
    fill_gaussian(d.key, Stream::dynamics, d.step, a, origin, 1, out);
    std::fill(out + 1, out + (i1 - i0), out[0]);
}

// [training] dropout: the mask of a step, 1 for a kept neuron (its uniform u in (0, 1] of
// Stream::dropout above p, probability 1 − p) and 0 for a dropped one. A neuron is a row
// (counter: the global row) or a site (counter: the global site).
struct DropoutDraw {
    NoiseKey key;
    std::uint64_t step;
    double p;
    bool neuron_is_row;
};

// The mask of sites [i0, i1) of a row (global row `row`, first global site `row_site`) into m.
inline void draw_mask(const DropoutDraw& d, std::int64_t row, std::int64_t row_site,
                      std::int64_t i0, std::int64_t i1, double* m) {
    if (d.neuron_is_row) {
        double u = 0.0;
        fill_uniform(d.key, Stream::dropout, d.step, 0, row, 1, &u);
        std::fill(m, m + (i1 - i0), u > d.p ? 1.0 : 0.0);
        return;
    }
    fill_uniform(d.key, Stream::dropout, d.step, 0, row_site + i0, i1 - i0, m);
    for (std::int64_t t = 0; t < i1 - i0; ++t)
        m[t] = m[t] > d.p ? 1.0 : 0.0;
}

// No dropout: force_sweep's default, compiled without the mask.
struct NoDropout {};

// make_update(a, off, xi) returns the update of component a on the tile whose first site sits
// at memory offset `off` of the component planes: a callable (t, F, φ) for the tile's site t,
// with F the force of `src` there and φ the value of `src`; xi points at the tile's noise of
// component a (nullptr without noise), drawn by the global site index (RowGeometry), not by
// `off`. The update may write site t of any field but `src`. `rows` selects the rows to update
// and their place in the whole lattice (a slab: see RowRange).
// With the force parameters built (ForceParams: the fibre means of src, taken once per sweep).
// With a DropoutDraw, a mask per neuron multiplies the force handed to the update and the
// noise (so a dropped neuron does not move); without one the mask is not compiled in.
template <class MakeUpdate, class Dropout = NoDropout>
void force_sweep_rows(const Lattice& lattice, RowRange rows, const ForceParams& fp,
                      const Field& src, const std::optional<NoiseDraw>& noise,
                      MakeUpdate&& make_update, const Dropout& dropout) {
    if (rows.last <= rows.first) return;
    constexpr bool Masked = std::is_same_v<Dropout, DropoutDraw>;
    const int n_comp = src.components();
    const std::int64_t len = lattice.row_length();
    auto sweep = [&](auto slow, auto single) {
        constexpr int S = decltype(slow)::value;
        constexpr bool Single = decltype(single)::value;
        for_each_row_with(
            rows.last - rows.first, len, [&] { return TileScratch(n_comp); },
            [&](std::int64_t r, TileScratch& s) {
                const RowGeometry g(lattice, rows.first + r, rows.global_row_offset);
                // The mask lives in the tile's force buffer: only force_tile fills that.
                [[maybe_unused]] double* const mask = s.force_of(0);
                for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                    if constexpr (Masked)
                        draw_mask(dropout, g.global_row, g.global_site, i0, i1, mask);
                    if (noise)
                        for (int a = 0; a < n_comp; ++a) {
                            double* xi = s.noise_of(a);
                            draw_noise(lattice, *noise, g.global_site, i0, i1, a, xi);
                            if constexpr (Masked)
                                for (std::int64_t t = 0; t < i1 - i0; ++t)
                                    xi[t] *= mask[t];
                        }
                    if (!Single) tile_phi2(src, g, i0, i1, s.phi2.data());
                    apply_force<S, Single>(
                        lattice, fp.params, src, g, i0, i1, s.phi2.data(), [&](int a) {
                            auto op = make_update(a, g.base + i0, noise ? s.noise_of(a) : nullptr);
                            if constexpr (Masked) {
                                const double* __restrict m = mask;
                                return [op, m](std::int64_t t, double f, double x) {
                                    op(t, m[t] * f, x);
                                };
                            } else {
                                return op;
                            }
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

template <class MakeUpdate, class Dropout = NoDropout>
void force_sweep(const Lattice& lattice, RowRange rows, const ActionParams& p, const Field& src,
                 std::optional<NoiseDraw> noise, MakeUpdate&& make_update, Dropout dropout = {}) {
    const ForceParams fp(lattice, p, src);
    force_sweep_rows(lattice, rows, fp, src, noise, make_update, dropout);
}

// The sweep over this rank's rows of the lattice (all of it without an MPI split). Split, the
// halos of src are exchanged while the interior slices are swept (they need no halo), then the
// two edge slices are swept; the rows' order does not change any bit, each row's update
// depends on src alone. The fibre means are taken before the exchange starts: the halo rows'
// means are never read, and MPI may be writing those rows.
template <class MakeUpdate, class Dropout = NoDropout>
void force_sweep(const Domain& domain, const ActionParams& p, const Field& src,
                 std::optional<NoiseDraw> noise, MakeUpdate&& make_update, Dropout dropout = {}) {
    const Lattice& lattice = domain.local();
    const ForceParams fp(domain, p, src);
    const RowRange own = domain.own();
    if (!domain.split()) {
        force_sweep_rows(lattice, own, fp, src, noise, make_update, dropout);
        return;
    }
    const std::int64_t slice = domain.rows_per_slice();
    HaloExchange halos = domain.start_halo_exchange(src);
    const RowRange interior{own.first + slice, own.last - slice, own.global_row_offset};
    force_sweep_rows(lattice, interior, fp, src, noise, make_update, dropout);
    halos.finish();
    const std::int64_t low_end = std::min(own.first + slice, own.last);
    force_sweep_rows(lattice, {own.first, low_end, own.global_row_offset}, fp, src, noise,
                     make_update, dropout);
    force_sweep_rows(lattice,
                     {std::max(own.last - slice, low_end), own.last, own.global_row_offset}, fp,
                     src, noise, make_update, dropout);
}

// The site-local sweep: as force_sweep without the force. make_update(a, off, xi) returns a
// callable (t) for the tile's site t (component a, tile starting at `off`, noise xi or nullptr),
// called in a vectorised loop; it may write site t of any field. For the parts of a step that
// need no neighbour (BAOAB's opening B-A-O-A once the force is cached, HMC's momentum kicks).
template <class MakeUpdate>
void site_sweep(const Domain& domain, int n_comp, std::optional<NoiseDraw> noise,
                MakeUpdate&& make_update) {
    const Lattice& lattice = domain.local();
    const RowRange rows = domain.own();
    const std::int64_t len = lattice.row_length();
    for_each_row_with(
        rows.last - rows.first, len, [&] { return TileScratch(n_comp); },
        [&](std::int64_t r, TileScratch& s) {
            const RowGeometry g(lattice, rows.first + r, rows.global_row_offset);
            for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                const std::int64_t off = g.base + i0;
                for (int a = 0; a < n_comp; ++a) {
                    if (noise) // counted by the global site, as force_sweep's
                        draw_noise(lattice, *noise, g.global_site, i0, i1, a, s.noise_of(a));
                    auto op = make_update(a, off, noise ? s.noise_of(a) : nullptr);
#pragma omp simd
                    for (std::int64_t t = 0; t < i1 - i0; ++t)
                        op(t);
                }
            });
        });
}

} // namespace ssbsim::detail
