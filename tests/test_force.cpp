// The force kernel against a central finite difference of the action, on small lattices of
// every dimension with mixed periodic/open boundaries, one and three components; and the
// kernel contract for a split lattice: a slab of rows with halo rows, swept with its global row
// offset, computes the same force and draws the same noise as the whole lattice.
#include "dynamics/sweep.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/force.hpp"
#include "ssbsim/physics/rng.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace ssbsim;
using ssbsim::test::random_field;

namespace {

double total_action(const Lattice& lat, const Field& phi, const ActionParams& p) {
    StepParams sp;
    sp.action = p;
    const auto rec = measure(lat, phi, sp);
    return rec[record_offset("action", phi.components())] * static_cast<double>(lat.volume());
}

// Force at every site and component from the kernel, site-major.
std::vector<double> kernel_force(const Lattice& lat, const Field& phi, const ActionParams& params) {
    const int n = phi.components();
    const ForceParams fp(lat, params, phi);
    const ActionParams& p = fp.params;
    std::vector<double> out(static_cast<std::size_t>(lat.volume() * n));
    TileScratch s(n);
    with_slow_axes(lat.dims(), [&](auto slow) {
        for (std::int64_t row = 0; row < lat.rows(); ++row) {
            const RowGeometry g(lat, row);
            for_each_tile(lat.row_length(), [&](std::int64_t i0, std::int64_t i1) {
                force_tile<decltype(slow)::value>(lat, p, phi, g, i0, i1, s);
                for (int a = 0; a < n; ++a)
                    for (std::int64_t i = i0; i < i1; ++i)
                        out[(g.base + i) * n + a] = s.force_of(a)[i - i0];
            });
        }
    });
    return out;
}

// The kernel's force at ~40 sites against a central difference of the measured action.
void require_force_is_minus_gradient(const Lattice& lat, Field phi, const ActionParams& p) {
    const int n = phi.components();
    const auto force = kernel_force(lat, phi, p);
    const double delta = 1e-5;
    const std::int64_t stride = std::max<std::int64_t>(1, lat.volume() / 40);
    for (std::int64_t x = 0; x < lat.volume(); x += stride)
        for (int a = 0; a < n; ++a) {
            double& v = phi.component(a)[x];
            const double saved = v;
            v = saved + delta;
            const double up = total_action(lat, phi, p);
            v = saved - delta;
            const double down = total_action(lat, phi, p);
            v = saved;
            INFO("dims " << lat.dims() << " site " << x << " component " << a);
            REQUIRE(force[x * n + a] ==
                    Approx(-(up - down) / (2 * delta)).epsilon(1e-6).margin(1e-6));
        }
}

} // namespace

TEST_CASE("force equals minus the finite-difference gradient of the action", "[force]") {
    struct Case {
        std::vector<std::int64_t> dims;
        std::vector<Boundary> bc;
        int n;
    };
    const auto P = Boundary::periodic, O = Boundary::open;
    const std::vector<Case> cases = {
        {{7}, {P}, 1},
        {{6}, {O}, 2},
        {{4, 5}, {P, O}, 1},
        {{2, 3}, {O, P}, 3},
        {{3, 4, 3}, {O, P, P}, 1},
        {{2, 3, 2, 3}, {P, O, P, O}, 2},
        {{3, 2, 2, 600}, {P, P, O, P}, 1}, // a row longer than one tile
    };
    for (const Case& c : cases) {
        const Lattice lat(c.dims, c.bc);
        ActionParams p;
        p.m2 = -0.7;
        p.lambda = 0.9;
        for (int mu = 0; mu < lat.dims(); ++mu)
            p.coupling[mu] = 0.5 + 0.3 * mu;
        for (int a = 0; a < c.n; ++a)
            p.h.push_back(0.1 * (a + 1));
        require_force_is_minus_gradient(lat, random_field(lat, c.n, 3), p);
    }
}

TEST_CASE("a uniform field feels only the potential", "[force]") {
    const Lattice lat({4, 4}, {Boundary::periodic, Boundary::open});
    ActionParams p;
    p.m2 = -1.0;
    p.lambda = 0.5;
    p.coupling = {1.0, 2.0, 0, 0};
    p.h = {0.25};
    Field phi(lat, 1);
    for (std::int64_t x = 0; x < lat.volume(); ++x)
        phi.component(0)[x] = 1.5;
    const auto f = kernel_force(lat, phi, p);
    const double expected = -(p.m2 + p.lambda * 1.5 * 1.5) * 1.5 + 0.25;
    for (double v : f)
        REQUIRE(v == expected);
}

TEST_CASE("mean-field axes and a site-dependent source: force = -dS/dphi by finite differences",
          "[force]") {
    const auto N = CouplingKind::nearest, M = CouplingKind::mean;
    const auto P = Boundary::periodic, O = Boundary::open;
    struct Case {
        std::vector<std::int64_t> dims;
        std::vector<Boundary> bc;
        std::vector<CouplingKind> kind;
        int n;
    };
    const std::vector<Case> cases = {
        {{7}, {P}, {M}, 1},
        {{4, 5}, {O, P}, {N, M}, 1},          // layer x neuron
        {{3, 4, 5}, {O, P, P}, {N, M, M}, 2}, // layer x neuron x input
        {{5, 3, 300}, {P, P, O}, {M, N, N}, 1},
    };
    for (const Case& c : cases) {
        const Lattice lat(c.dims, c.bc);
        ActionParams p;
        p.m2 = -0.4;
        p.lambda = 0.7;
        for (int mu = 0; mu < lat.dims(); ++mu) {
            p.coupling[mu] = 0.6 + 0.2 * mu;
            p.kind[mu] = c.kind[mu];
        }
        for (int a = 0; a < c.n; ++a)
            p.h.push_back(0.05 * (a + 1));
        const Field source = random_field(lat, c.n, 77);
        p.source = &source;
        require_force_is_minus_gradient(lat, random_field(lat, c.n, 5), p);
    }
}

TEST_CASE(
    "a mean-field axis does not distinguish its sites: identical neurons feel identical forces",
    "[force]") {
    const Lattice lat({3, 5, 4}, {Boundary::open, Boundary::periodic, Boundary::periodic});
    ActionParams p;
    p.m2 = -1.0;
    p.lambda = 1.0;
    p.coupling = {0.8, 1.3, 0.5, 0};
    p.kind = {CouplingKind::nearest, CouplingKind::mean, CouplingKind::mean, CouplingKind::nearest};
    p.h = {0.0};
    // Every neuron (axis 1) of a layer holds the same weights (axis 2), layers differ.
    Field phi(lat, 1);
    for (std::int64_t s = 0; s < lat.volume(); ++s) {
        const auto x = lat.coordinates(s);
        phi.component(0)[s] = 0.3 * static_cast<double>(x[0]) - 0.1 * static_cast<double>(x[2]);
    }
    const auto f = kernel_force(lat, phi, p);
    for (std::int64_t s = 0; s < lat.volume(); ++s) {
        auto x = lat.coordinates(s);
        x[1] = 0;
        REQUIRE(f[s] == f[lat.site(x)]); // bit for bit
    }
}

namespace {

// One Euler–Maruyama step y = φ + εF + σξ of the rows in `rows` of `phi` into `y`.
void euler_rows(const Lattice& lat, RowRange rows, const ActionParams& p, const Field& phi,
                Field& y, std::uint64_t step) {
    const double eps = 0.05, sigma = 0.7;
    detail::force_sweep(lat, rows, p, phi, detail::NoiseDraw{{9, 2}, step},
                        [&](int a, std::int64_t off, const double* xi) {
                            double* out = y.component(a) + off;
                            return [=](std::int64_t t, double f, double x) {
                                out[t] = x + eps * f + sigma * xi[t];
                            };
                        });
}

} // namespace

TEST_CASE("a slab of rows with halo rows, swept at its global row offset, updates as the whole "
          "lattice with the same force and noise",
          "[force][bitwise]") {
    const auto P = Boundary::periodic, O = Boundary::open;
    struct Case {
        std::vector<std::int64_t> dims;
        std::vector<Boundary> bc;
        int n;
        std::int64_t s0, s1; // the slab: slices [s0, s1) of axis 0
    };
    const std::vector<Case> cases = {
        {{8, 40}, {P, P}, 1, 3, 6},
        {{8, 40}, {P, O}, 2, 0, 2},        // the halo below wraps round
        {{8, 40}, {O, P}, 1, 0, 3},        // open axis 0: the halo holds the edge slice itself
        {{6, 3, 300}, {P, O, P}, 2, 5, 6}, // rows longer than a tile; the halo above wraps
        {{5, 2, 3, 4}, {O, P, O, P}, 1, 2, 4},
    };
    for (const Case& c : cases) {
        const Lattice whole(c.dims, c.bc);
        ActionParams p;
        p.m2 = -0.6;
        p.lambda = 0.8;
        for (int mu = 0; mu < whole.dims(); ++mu)
            p.coupling[mu] = 0.7 + 0.2 * mu;
        for (int a = 0; a < c.n; ++a)
            p.h.push_back(0.1 * (a + 1));
        const Field phi = random_field(whole, c.n, 21);
        Field expected(whole, c.n);
        euler_rows(whole, RowRange::whole(whole), p, phi, expected, 7);

        // The slab in memory: slices s0 - 1 ... s1 of axis 0 (halo, own slices, halo).
        const std::int64_t L0 = c.dims[0], per_slice = whole.rows() / L0;
        const std::int64_t slice_sites = per_slice * whole.row_length();
        std::vector<std::int64_t> local_dims = c.dims;
        local_dims[0] = c.s1 - c.s0 + 2;
        std::vector<Boundary> local_bc = c.bc;
        local_bc[0] = O; // the halo rows are the neighbours; nothing wraps inside the slab
        const Lattice slab(local_dims, local_bc);
        Field local(slab, c.n), out(slab, c.n);
        for (std::int64_t k = 0; k < local_dims[0]; ++k) {
            std::int64_t g = c.s0 - 1 + k; // the global slice held at local slice k
            if (c.bc[0] == P)
                g = (g + L0) % L0;
            else
                g = std::clamp<std::int64_t>(g, 0, L0 - 1); // an open end: the edge itself
            for (int a = 0; a < c.n; ++a)
                std::copy_n(phi.component(a) + g * slice_sites, slice_sites,
                            local.component(a) + k * slice_sites);
        }
        const RowRange own{per_slice, (local_dims[0] - 1) * per_slice, (c.s0 - 1) * per_slice};
        euler_rows(slab, own, p, local, out, 7);
        INFO("dims " << whole.dims() << " slab [" << c.s0 << ", " << c.s1 << ")");
        for (int a = 0; a < c.n; ++a)
            for (std::int64_t i = 0; i < (c.s1 - c.s0) * slice_sites; ++i)
                REQUIRE(out.component(a)[slice_sites + i] ==
                        expected.component(a)[c.s0 * slice_sites + i]);

        // The offset matters: counted from the slab's own origin the noise is another one.
        euler_rows(slab, {own.first, own.last, 0}, p, local, out, 7);
        bool all_same = true;
        for (std::int64_t i = 0; i < (c.s1 - c.s0) * slice_sites; ++i)
            all_same = all_same && out.component(0)[slice_sites + i] ==
                                       expected.component(0)[c.s0 * slice_sites + i];
        REQUIRE_FALSE(all_same);
    }
}
