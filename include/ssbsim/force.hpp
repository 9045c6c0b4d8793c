// The force F = −∂S/∂φ of the mass-form action on a tile of one row: the only place the lattice
// Laplacian is written. Interior sites run branch-free and vectorised; the first and last site
// of a row are peeled (periodic wrap or open end). Open boundaries along the other axes point
// the missing neighbour row at the row itself, so the missing link contributes exactly zero.
// Tested by test_force (against a finite-difference derivative of the action).
#pragma once

#include "ssbsim/action.hpp"
#include "ssbsim/field.hpp"
#include "ssbsim/lattice.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace ssbsim {

// Sites per tile: the force, noise and |φ|² of one tile stay in L1 cache between the passes.
inline constexpr std::int64_t tile_sites = 256;

// Where a row and its neighbour rows start (site offsets into a component plane).
struct RowGeometry {
    std::int64_t base = 0;
    std::int64_t up[max_dims - 1] = {};
    std::int64_t down[max_dims - 1] = {};

    RowGeometry(const Lattice& lattice, std::int64_t row);
};

// Per-thread buffers for one tile of every component.
struct TileScratch {
    std::vector<double> phi2;  // |φ|² per site of the tile
    std::vector<double> force; // [component][tile_sites]
    std::vector<double> noise; // [component][tile_sites]

    explicit TileScratch(int components)
        : phi2(tile_sites), force(components * tile_sites), noise(components * tile_sites) {}
    double* force_of(int a) { return force.data() + a * tile_sites; }
    double* noise_of(int a) { return noise.data() + a * tile_sites; }
};

// Fills s.phi2 and s.force for sites [i0, i1) of the row (i1 - i0 <= tile_sites).
template <int Slow>
void force_tile(const Lattice& lattice, const ActionParams& p, const Field& phi,
                const RowGeometry& g, std::int64_t i0, std::int64_t i1, TileScratch& s) {
    const std::int64_t len = lattice.row_length();
    const bool wrap = lattice.periodic(lattice.dims() - 1);
    const double J_row = p.coupling[Slow];
    const int n = phi.components();
    double* r2 = s.phi2.data();

    for (std::int64_t i = i0; i < i1; ++i) r2[i - i0] = 0.0;
    for (int a = 0; a < n; ++a) {
        const double* x = phi.component(a) + g.base;
#pragma omp simd
        for (std::int64_t i = i0; i < i1; ++i) r2[i - i0] += x[i] * x[i];
    }

    for (int a = 0; a < n; ++a) {
        const double* plane = phi.component(a);
        const double* x = plane + g.base;
        const double* up[Slow > 0 ? Slow : 1];
        const double* down[Slow > 0 ? Slow : 1];
        for (int mu = 0; mu < Slow; ++mu) {
            up[mu] = plane + g.up[mu];
            down[mu] = plane + g.down[mu];
        }
        const double h = p.h[a];
        double* f = s.force_of(a);
        auto site = [&](std::int64_t i, double left, double right) {
            double lap = J_row * (left + right - 2.0 * x[i]);
            for (int mu = 0; mu < Slow; ++mu)
                lap += p.coupling[mu] * (up[mu][i] + down[mu][i] - 2.0 * x[i]);
            return lap - (p.m2 + p.lambda * r2[i - i0]) * x[i] + h;
        };
        std::int64_t lo = i0, hi = i1;
        if (lo == 0) {
            f[0] = site(0, wrap ? x[len - 1] : x[0], x[1]);
            lo = 1;
        }
        const bool last = hi == len && lo < len;
        if (last) hi = len - 1;
#pragma omp simd
        for (std::int64_t i = lo; i < hi; ++i) f[i - i0] = site(i, x[i - 1], x[i + 1]);
        if (last) f[len - 1 - i0] = site(len - 1, x[len - 2], wrap ? x[0] : x[len - 1]);
    }
}

// Calls body(std::integral_constant<int, d-1>) so kernels are compiled per dimension.
template <class Body>
decltype(auto) with_slow_axes(int dims, Body&& body) {
    switch (dims) {
    case 1: return body(std::integral_constant<int, 0>{});
    case 2: return body(std::integral_constant<int, 1>{});
    case 3: return body(std::integral_constant<int, 2>{});
    default: return body(std::integral_constant<int, 3>{});
    }
}

// Runs tile(i0, i1) over a row in tiles of at most tile_sites.
template <class Tile>
void for_each_tile(std::int64_t row_length, Tile&& tile) {
    for (std::int64_t i0 = 0; i0 < row_length; i0 += tile_sites)
        tile(i0, std::min(row_length, i0 + tile_sites));
}

} // namespace ssbsim
