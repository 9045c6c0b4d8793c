// The action: action_sum against a brute-force sum written from the definition (site by site,
// neighbours from coordinates, fibre means by explicit loops) on every dimension, boundary and
// coupling kind; against the measurement's `action` column; its bits on 1 and 2 threads; the
// exact map between the hopping and the mass form (the action of φ_M = √(2κ) φ_K is the hopping
// action of φ_K up to the constant λ_K V); and the linear stability bound of Euler's scheme.
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/rng.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <omp.h>

using namespace ssbsim;
using ssbsim::test::random_field;

namespace {

// S from its definition in action.hpp, in long double, one site and one axis at a time.
long double brute_force_action(const Lattice& lat, const ActionParams& p, const Field& phi) {
    const int n = phi.components(), d = lat.dims();
    long double s = 0.0L;
    for (std::int64_t site = 0; site < lat.volume(); ++site) {
        const auto x = lat.coordinates(site);
        long double r2 = 0.0L;
        for (int a = 0; a < n; ++a) {
            const long double v = phi.component(a)[site];
            r2 += v * v;
            const long double source = p.source ? p.source->component(a)[site] : 0.0;
            s -= (p.h[static_cast<std::size_t>(a)] + source) * v;
        }
        s += 0.5L * p.m2 * r2 + 0.25L * p.lambda * r2 * r2;
        for (int mu = 0; mu < d; ++mu) {
            const std::int64_t L = lat.extent(mu);
            for (int a = 0; a < n; ++a) {
                const long double v = phi.component(a)[site];
                if (p.kind[mu] == CouplingKind::mean) { // J |φ_x − φ̄|² over the fibre through x
                    long double mean = 0.0L;
                    auto y = x;
                    for (y[mu] = 0; y[mu] < L; ++y[mu])
                        mean += phi.component(a)[lat.site(y)];
                    mean /= static_cast<long double>(L);
                    s += p.coupling[mu] * (v - mean) * (v - mean);
                } else if (x[mu] + 1 < L || lat.periodic(mu)) { // the forward link exists
                    auto y = x;
                    y[mu] = (x[mu] + 1) % L;
                    const long double w = phi.component(a)[lat.site(y)];
                    s += 0.5L * p.coupling[mu] * (w - v) * (w - v);
                }
            }
        }
    }
    return s;
}

struct Case {
    std::vector<std::int64_t> dims;
    std::vector<Boundary> bc;
    std::vector<CouplingKind> kind;
    int n;
    bool source;
};

ActionParams params_for(const Case& c) {
    ActionParams p;
    p.m2 = -0.8;
    p.lambda = 0.6;
    for (std::size_t mu = 0; mu < c.dims.size(); ++mu) {
        p.coupling[mu] = 0.5 + 0.25 * static_cast<double>(mu);
        p.kind[mu] = c.kind[mu];
    }
    for (int a = 0; a < c.n; ++a)
        p.h.push_back(0.1 * (a + 1));
    return p;
}

const auto P = Boundary::periodic, O = Boundary::open;
const auto NN = CouplingKind::nearest, M = CouplingKind::mean;
const std::vector<Case> cases = {
    {{9}, {P}, {NN}, 1, false},
    {{7}, {O}, {M}, 2, true},
    {{2, 5}, {P, P}, {NN, NN}, 1, false}, // extent 2: both links of a pair counted
    {{4, 6}, {O, P}, {NN, M}, 1, true},   // layer × neuron
    {{3, 4, 5}, {O, P, P}, {NN, M, M}, 3, false},
    {{3, 4, 300}, {P, O, P}, {NN, NN, NN}, 2, true}, // rows longer than a tile
    {{2, 3, 2, 5}, {P, O, P, O}, {M, NN, NN, NN}, 1, false},
};

} // namespace

TEST_CASE("action_sum equals the brute-force sum of the definition", "[action]") {
    for (const Case& c : cases) {
        const Lattice lat(c.dims, c.bc);
        ActionParams p = params_for(c);
        const Field source = random_field(lat, c.n, 8, 0.3);
        if (c.source) p.source = &source;
        const Field phi = random_field(lat, c.n, 3);
        const long double exact = brute_force_action(lat, p, phi);
        INFO("dims " << lat.dims() << " components " << c.n);
        REQUIRE(action_sum(lat, p, phi) ==
                Approx(static_cast<double>(exact)).epsilon(1e-13).margin(1e-12));
    }
}

TEST_CASE("action_sum is V times the measured action density", "[action]") {
    for (const Case& c : cases) {
        const Lattice lat(c.dims, c.bc);
        StepParams sp;
        sp.action = params_for(c);
        const Field source = random_field(lat, c.n, 8, 0.3);
        if (c.source) sp.action.source = &source;
        const Field phi = random_field(lat, c.n, 4);
        const double measured =
            measure(lat, phi, sp)[record_offset("action", c.n)] * static_cast<double>(lat.volume());
        INFO("dims " << lat.dims() << " components " << c.n);
        REQUIRE(action_sum(lat, sp.action, phi) == Approx(measured).epsilon(1e-13).margin(1e-12));
    }
}

TEST_CASE("action_sum gives identical bits on 1 and 2 threads", "[action][bitwise]") {
    const Lattice lat({64, 512}, {P, O}); // large enough to run on the threads
    ActionParams p = params_for({{64, 512}, {P, O}, {NN, M}, 2, false});
    const Field phi = random_field(lat, 2, 6);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const double one = action_sum(lat, p, phi);
    omp_set_num_threads(2);
    const double two = action_sum(lat, p, phi);
    omp_set_num_threads(threads);
    REQUIRE(std::memcmp(&one, &two, sizeof one) == 0);
}

TEST_CASE("the mass form of a hopping action is the same action up to the constant lambda_K V",
          "[action]") {
    const Lattice lat({5, 4, 3}, {P, P, P}); // the map is exact on a periodic lattice
    HoppingParams k;
    k.kappa = 0.13;
    k.lambda = 0.02;
    k.h = {0.05, -0.03};
    const ActionParams m = mass_from_hopping(k, lat.dims());
    const Field phi_k = random_field(lat, 2, 12, 0.8);
    // S_K = Σ_x [−2κ Σ_μ φ_x·φ_{x+μ} + |φ|² + λ_K (|φ|² − 1)² − h_K·φ], by hand.
    long double s_k = 0.0L;
    for (std::int64_t site = 0; site < lat.volume(); ++site) {
        const auto x = lat.coordinates(site);
        long double r2 = 0.0L;
        for (int a = 0; a < 2; ++a) {
            const long double v = phi_k.component(a)[site];
            r2 += v * v;
            s_k -= k.h[static_cast<std::size_t>(a)] * v;
            for (int mu = 0; mu < lat.dims(); ++mu) {
                auto y = x;
                y[mu] = (x[mu] + 1) % lat.extent(mu);
                s_k -= 2.0L * k.kappa * v * phi_k.component(a)[lat.site(y)];
            }
        }
        s_k += r2 + k.lambda * (r2 - 1.0L) * (r2 - 1.0L);
    }
    Field phi_m(lat, 2);
    const double scale = hopping_field_scale(k.kappa);
    for (int a = 0; a < 2; ++a)
        for (std::int64_t x = 0; x < lat.volume(); ++x)
            phi_m.component(a)[x] = scale * phi_k.component(a)[x];
    const double volume = static_cast<double>(lat.volume());
    REQUIRE(action_sum(lat, m, phi_m) ==
            Approx(static_cast<double>(s_k) - k.lambda * volume).epsilon(1e-12));

    // And back: hopping_from_mass inverts mass_from_hopping.
    const HoppingParams back = hopping_from_mass(m, lat.dims());
    CHECK(back.kappa == Approx(k.kappa).epsilon(1e-14));
    CHECK(back.lambda == Approx(k.lambda).epsilon(1e-13));
    for (std::size_t a = 0; a < 2; ++a)
        CHECK(back.h[a] == Approx(k.h[a]).epsilon(1e-13));
}

TEST_CASE(
    "the linear stability bound is 2 / (sum_mu c_mu J_mu + m2) and infinite without curvature",
    "[action]") {
    ActionParams p;
    p.m2 = 0.5;
    p.coupling = {1.0, 2.0, 0.0, 0.0};
    CHECK(linear_stability_bound(p, 2) == 2.0 / (4.0 * 1.0 + 4.0 * 2.0 + 0.5));
    p.kind[1] = CouplingKind::mean;
    CHECK(linear_stability_bound(p, 2) == 2.0 / (4.0 * 1.0 + 2.0 * 2.0 + 0.5));
    p.m2 = -20.0;
    CHECK(std::isinf(linear_stability_bound(p, 2)));
}
