// The one sweep every integrator is built from: for each tile of each row, the force of a
// source field (and, if asked, the step's Gaussian noise) lands in per-thread L1 buffers and an
// integrator-specific update consumes it in the same pass. Private to src/dynamics.
#pragma once

#include "ssbsim/force.hpp"
#include "ssbsim/parallel.hpp"
#include "ssbsim/rng.hpp"

#include <optional>

namespace ssbsim::detail {

struct NoiseDraw {
    NoiseKey key;
    std::uint64_t step;
};

// update(offset, n, scratch): sites [offset, offset + n) of every component plane.
template <class Update>
void force_sweep(const Lattice& lattice, const ActionParams& p, const Field& src,
                 std::optional<NoiseDraw> noise, Update&& update) {
    const int n_comp = src.components();
    with_slow_axes(lattice.dims(), [&](auto slow) {
        constexpr int S = decltype(slow)::value;
        for_each_row_with(
            lattice.rows(), lattice.row_length(), [&] { return TileScratch(n_comp); },
            [&](std::int64_t row, TileScratch& s) {
                const RowGeometry g(lattice, row);
                for_each_tile(lattice.row_length(), [&](std::int64_t i0, std::int64_t i1) {
                    force_tile<S>(lattice, p, src, g, i0, i1, s);
                    if (noise)
                        for (int a = 0; a < n_comp; ++a)
                            fill_gaussian(noise->key, Stream::dynamics, noise->step, a,
                                          g.base + i0, i1 - i0, s.noise_of(a));
                    update(g.base + i0, i1 - i0, s);
                });
            });
    });
}

} // namespace ssbsim::detail
