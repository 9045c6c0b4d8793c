// The force F = −∂S/∂φ of the mass-form action on a tile of one row: the only place the lattice
// Laplacian is written. apply_force hands each site's force straight to an integrator's update
// (force and update fused, the field read once); force_tile stores it for the measurement.
// Interior sites run branch-free and vectorised; the first and last site of a row are peeled
// (periodic wrap or open end). Open boundaries along the other axes point the missing
// neighbour row at the row itself, so the missing link contributes exactly zero.
// Tested by test_force (against a finite-difference derivative of the action) and test_dynamics.
#pragma once

#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

namespace ssbsim {

class Domain; // domain.hpp: a rank's part of the lattice

// Sites per tile: the noise and |φ|² of one tile stay in L1 cache between the passes.
inline constexpr std::int64_t tile_sites = 256;

// Where a row lives in memory and where it sits in the whole lattice, kept apart so that a slab
// of rows (a future MPI split along axis 0, with halo rows) computes what the whole lattice does.
// `lattice` is the geometry of the field in memory (for a slab: its rows including the halos);
// local row r of it is row r + global_row_offset of the whole lattice. `row` and `base` (the
// site offset of the row in a component plane) address memory; `up`/`down` are the memory
// offsets of the neighbour rows; `global_site`, the global index of the row's first site, is
// what the noise is counted by (invariant 1). Tested by test_force ("a slab of rows").
struct RowGeometry {
    std::int64_t row = 0;         // local row: memory, and the fibre means of a mean-field axis
    std::int64_t base = 0;        // memory offset of the row's first site
    std::int64_t global_row = 0;  // row of the whole lattice
    std::int64_t global_site = 0; // global index of the row's first site: the noise counter
    std::int64_t up[max_dims - 1] = {};
    std::int64_t down[max_dims - 1] = {};

    RowGeometry(const Lattice& lattice, std::int64_t row, std::int64_t global_row_offset = 0);
};

// The rows a sweep updates: local rows [first, last) of a field laid out as `lattice`, whose
// row r is row r + global_row_offset of the whole lattice. whole() is every row of a lattice
// held entirely in memory; a slab updates its own rows and only reads its halo rows. Mean-field
// axes need the fibre means of the whole lattice: a slab sweep is for nearest-neighbour axes.
struct RowRange {
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::int64_t global_row_offset = 0;

    static RowRange whole(const Lattice& lattice) { return {0, lattice.rows(), 0}; }
};

// Means of φ along the mean-field axes (action.coupling_kind = mean), one per fibre (line along
// the axis), taken once per sweep before the force. For a slow axis the means of the fibres
// through a row are stored contiguously (one per site of the row, unit stride like the row);
// for the row axis there is one mean per row. Summed in site order: thread-independent bits.
class FibreMeans {
  public:
    FibreMeans(const Lattice& lattice, const ActionParams& p, const Field& phi);
    // Split over ranks (domain.hpp), phi this rank's part: the means along axis 0 (across the
    // ranks) are summed slice by slice in global order, the running sums passed from rank to
    // rank, so every rank gets the bits of one process.
    FibreMeans(const Domain& domain, const ActionParams& p, const Field& phi);
    // Means along axis mu for the sites of `row`, component a (row axis: one value).
    const double* row(int mu, int a, std::int64_t row) const;

  private:
    struct Axis {
        std::int64_t inner = 1; // row stride of the axis (product of later slow extents)
        std::int64_t extent = 1;
        std::int64_t per_component = 0;
        std::vector<double> values; // [component][reduced row][site of row] or [component][row]
    };
    std::int64_t row_length_;
    int slow_axes_;
    std::vector<Axis> axes_; // per axis; empty values for nearest-neighbour axes

    static void split_axis_means(const Domain& domain, const Field& phi, Axis& ax);
};

// The action's parameters with the fibre means of `phi` attached when an axis is mean-field:
// what the force kernels below need. Build one per sweep, before reading phi's force.
struct ForceParams {
    ActionParams params;
    std::optional<FibreMeans> means;

    ForceParams(const Lattice& lattice, const ActionParams& p, const Field& phi);
    ForceParams(const Domain& domain, const ActionParams& p, const Field& phi); // a rank's part
    ForceParams(const ForceParams&) = delete;
    ForceParams& operator=(const ForceParams&) = delete;
};

// Per-thread buffers for one tile of every component, allocated once per sweep.
struct TileScratch {
    std::vector<double> phi2;  // |φ|² per site of the tile
    std::vector<double> force; // [component][tile_sites] (force_tile only)
    std::vector<double> noise; // [component][tile_sites]

    explicit TileScratch(int components)
        : phi2(tile_sites), force(components * tile_sites), noise(components * tile_sites) {}
    double* force_of(int a) { return force.data() + a * tile_sites; }
    double* noise_of(int a) { return noise.data() + a * tile_sites; }
};

// The action's constants as plain local scalars, so that the inner loop keeps them in registers
// (through `const ActionParams&` the compiler must assume a store to the output may change them).
template <int Slow>
struct ForceConstants {
    double J_row, m2, lambda;
    double J[Slow > 0 ? Slow : 1];
    explicit ForceConstants(const ActionParams& p)
        : J_row(p.coupling[Slow]), m2(p.m2), lambda(p.lambda) {
        for (int mu = 0; mu < Slow; ++mu)
            J[mu] = p.coupling[mu];
    }
};

// |φ|² of sites [i0, i1) of the row into r2[0, i1 − i0).
inline void tile_phi2(const Field& phi, const RowGeometry& g, std::int64_t i0, std::int64_t i1,
                      double* r2) {
    std::fill(r2, r2 + (i1 - i0), 0.0);
    for (int a = 0; a < phi.components(); ++a) {
        const double* x = phi.component(a) + g.base + i0;
#pragma omp simd
        for (std::int64_t t = 0; t < i1 - i0; ++t)
            r2[t] += x[t] * x[t];
    }
}

// For every component a and site i in [i0, i1) of the row: op_a(t, F_a(i), φ_a(i)) with
// t = i − i0 and op_a = make_op(a). With Single (one component) |φ|² is formed in registers;
// otherwise r2 must hold it (tile_phi2). op_a is called in a vectorised loop: it must only write
// site t of its own arrays.
template <int Slow, bool Single, class MakeOp>
inline void apply_force(const Lattice& lattice, const ActionParams& p, const Field& phi,
                        const RowGeometry& g, std::int64_t i0, std::int64_t i1,
                        const double* __restrict r2, MakeOp&& make_op) {
    const std::int64_t len = lattice.row_length();
    const bool wrap = lattice.periodic(lattice.dims() - 1);
    const ForceConstants<Slow> c(p);
    const int n = Single ? 1 : phi.components();
    for (int a = 0; a < n; ++a) {
        const double* plane = phi.component(a);
        const double* __restrict x = plane + g.base;
        const double* up[Slow > 0 ? Slow : 1];
        const double* down[Slow > 0 ? Slow : 1];
        for (int mu = 0; mu < Slow; ++mu) {
            // A mean-field axis is the Laplacian with both neighbours at the fibre mean:
            // J (m + m − 2φ) = −2J (φ − m) = −∂/∂φ J Σ_i |φ_i − m|².
            const bool mean = p.kind[mu] == CouplingKind::mean;
            up[mu] = mean ? p.means->row(mu, a, g.row) : plane + g.up[mu];
            down[mu] = mean ? up[mu] : plane + g.down[mu];
        }
        const double h = p.h[a];
        const double* __restrict source = p.source ? p.source->component(a) + g.base : nullptr;
        auto op = make_op(a);
        // Compiled with and without the source term: a load that is merely masked off for a
        // null pointer still costs a microcode assist per vector on AMD Zen (6x slower sweeps).
        auto sweep = [&](auto with_source) {
            auto force = [&](std::int64_t i, double left, double right) {
                const double xi = x[i];
                const double phi2 = Single ? xi * xi : r2[i - i0];
                double lap = c.J_row * (left + right - 2.0 * xi);
                for (int mu = 0; mu < Slow; ++mu)
                    lap += c.J[mu] * (up[mu][i] + down[mu][i] - 2.0 * xi);
                const double f = lap - (c.m2 + c.lambda * phi2) * xi + h;
                if constexpr (decltype(with_source)::value)
                    return f + source[i];
                else
                    return f;
            };
            if (p.kind[Slow] == CouplingKind::mean) { // the row is the fibre: no ends to peel
                const double m = *p.means->row(Slow, a, g.row);
#pragma omp simd
                for (std::int64_t i = i0; i < i1; ++i)
                    op(i - i0, force(i, m, m), x[i]);
                return;
            }
            std::int64_t lo = i0, hi = i1;
            if (lo == 0) {
                op(0, force(0, wrap ? x[len - 1] : x[0], x[1]), x[0]);
                lo = 1;
            }
            const bool last = hi == len && lo < len;
            if (last) hi = len - 1;
#pragma omp simd
            for (std::int64_t i = lo; i < hi; ++i)
                op(i - i0, force(i, x[i - 1], x[i + 1]), x[i]);
            if (last)
                op(len - 1 - i0, force(len - 1, x[len - 2], wrap ? x[0] : x[len - 1]), x[len - 1]);
        };
        if (source)
            sweep(std::true_type{});
        else
            sweep(std::false_type{});
    }
}

// Fills s.phi2 and s.force for sites [i0, i1) of the row (i1 - i0 <= tile_sites).
template <int Slow>
void force_tile(const Lattice& lattice, const ActionParams& p, const Field& phi,
                const RowGeometry& g, std::int64_t i0, std::int64_t i1, TileScratch& s) {
    tile_phi2(phi, g, i0, i1, s.phi2.data());
    apply_force<Slow, false>(lattice, p, phi, g, i0, i1, s.phi2.data(), [&](int a) {
        double* __restrict f = s.force_of(a);
        return [f](std::int64_t t, double force, double) { f[t] = force; };
    });
}

// Calls body(std::integral_constant<int, d-1>) so kernels are compiled per dimension.
template <class Body>
decltype(auto) with_slow_axes(int dims, Body&& body) {
    switch (dims) {
    case 1:
        return body(std::integral_constant<int, 0>{});
    case 2:
        return body(std::integral_constant<int, 1>{});
    case 3:
        return body(std::integral_constant<int, 2>{});
    default:
        return body(std::integral_constant<int, 3>{});
    }
}

// Runs tile(i0, i1) over a row in tiles of at most tile_sites.
template <class Tile>
void for_each_tile(std::int64_t row_length, Tile&& tile) {
    for (std::int64_t i0 = 0; i0 < row_length; i0 += tile_sites)
        tile(i0, std::min(row_length, i0 + tile_sites));
}

} // namespace ssbsim
