// Fourier acceleration (physics/fourier.hpp, methods fa_hmc and fa_langevin) against exact
// results: the transform is orthogonal and diagonalises the action's Laplacian (the exact
// lattice propagator), fa_hmc samples the exact free field at a step where langevin is far off
// (⟨e^{−ΔH}⟩ = 1, its molecular dynamics reversible to rounding), fa_langevin's stationary free
// field is the Euler–Maruyama formula with each mode's own step, and both keep the bitwise
// invariants (thread count, resume) and the deck's refusals.
#include "cli.hpp"
#include "same_output.hpp"
#include "samplers.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/hmc.hpp"
#include "ssbsim/physics/fourier.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

ActionParams free_action(const Lattice& lat, std::vector<double> coupling, double m2) {
    Config c = free_config({2}, m2, Method::langevin, 0.1);
    c.action.coupling = std::move(coupling);
    return resolve_action(c.action, lat.dims(), 1);
}

// (L x)_x = Σ_μ J_μ Σ_± (x_x − x_{x±μ}), no link across an open boundary: the Hessian of the
// action's link term, written out site by site.
std::vector<double> laplacian(const Lattice& lat, const ActionParams& a, const double* x) {
    std::vector<double> out(static_cast<std::size_t>(lat.volume()), 0.0);
    for (std::int64_t s = 0; s < lat.volume(); ++s) {
        const auto c = lat.coordinates(s);
        for (int mu = 0; mu < lat.dims(); ++mu)
            for (int dir : {-1, 1}) {
                auto n = c;
                const std::int64_t L = lat.extent(mu);
                n[mu] += dir;
                if (n[mu] < 0 || n[mu] >= L) {
                    if (!lat.periodic(mu)) continue;
                    n[mu] = (n[mu] + L) % L;
                }
                out[s] += a.coupling[mu] * (x[s] - x[lat.site(n)]);
            }
    }
    return out;
}

double dot(const double* x, const double* y, std::int64_t n) {
    double s = 0.0;
    for (std::int64_t i = 0; i < n; ++i)
        s += x[i] * y[i];
    return s;
}

} // namespace

TEST_CASE("the Laplacian's transform is orthogonal: round trip to rounding", "[fourier]") {
    for (const auto& boundary :
         {std::vector<Boundary>{Boundary::periodic, Boundary::periodic, Boundary::periodic},
          std::vector<Boundary>{Boundary::periodic, Boundary::open, Boundary::periodic}}) {
        const Lattice lat({6, 5, 8}, boundary);
        const LaplacianTransform t(lat);
        const Field x = random_field(lat, 1, 3), y = random_field(lat, 1, 4);
        Field tx(lat, 1), ty(lat, 1);
        tx.copy_from(x);
        ty.copy_from(y);
        t.forward(tx.component(0));
        t.backward(ty.component(0));
        const std::int64_t v = lat.volume();
        // Periodic: backward = forward^T, <T x, y> = <x, T^T y>. Open: DCT-III is DCT-II^T
        // with the k = 0 column halved, so the two differ.
        const double lhs = dot(tx.component(0), y.component(0), v);
        const double rhs = dot(x.component(0), ty.component(0), v);
        INFO("<Tx, y> = " << lhs << ", <x, T'y> = " << rhs);
        CHECK((std::abs(lhs - rhs) < 1e-12 * v) == (boundary[1] == Boundary::periodic));
        // Round trip: T^T T x = N x.
        t.backward(tx.component(0));
        double err = 0.0;
        for (std::int64_t i = 0; i < v; ++i)
            err = std::max(err, std::abs(tx.component(0)[i] / t.norm() - x.component(0)[i]));
        INFO("round-trip error " << err);
        CHECK(err < 1e-14);
        if (boundary[1] == Boundary::periodic) {
            // T / √V orthogonal: |T x|² = V |x|².
            Field u(lat, 1);
            u.copy_from(x);
            t.forward(u.component(0));
            const double n2 = dot(u.component(0), u.component(0), v);
            CHECK(std::abs(n2 / v - dot(x.component(0), x.component(0), v)) < 1e-12 * v);
            CHECK(t.norm() == static_cast<double>(v));
        } else {
            CHECK(t.norm() == 6.0 * 10.0 * 8.0);
        }
    }
}

TEST_CASE("the transform diagonalises the action's Laplacian: the exact lattice propagator",
          "[fourier]") {
    SECTION("apply(p^2) is the Laplacian of the links, open axes and anisotropy included") {
        const Lattice lat({6, 5, 8}, {Boundary::periodic, Boundary::open, Boundary::periodic});
        const ActionParams a = free_action(lat, {1.0, 0.6, 1.3}, 0.0);
        const LaplacianTransform t(lat);
        const std::vector<double> p2 = t.momentum_squared(a);
        const Field x = random_field(lat, 1, 5);
        Field y(lat, 1);
        y.copy_from(x);
        t.apply(y.component(0), p2);
        const std::vector<double> lx = laplacian(lat, a, x.component(0));
        double err = 0.0;
        for (std::int64_t i = 0; i < lat.volume(); ++i)
            err = std::max(err, std::abs(y.component(0)[i] - lx[i]));
        INFO("max |apply(p^2) x - L x| = " << err);
        CHECK(err < 1e-12);
        // A wrong eigenvalue on the open axis (the periodic formula) is caught.
        std::vector<double> wrong = p2;
        for (std::int64_t k = 0; k < lat.volume(); ++k) {
            const auto c = lat.coordinates(k);
            const double s_open = std::sin(std::numbers::pi * c[1] / 10.0);
            const double s_per = std::sin(std::numbers::pi * c[1] / 5.0);
            wrong[k] += 0.6 * 4.0 * (s_per * s_per - s_open * s_open);
        }
        Field z(lat, 1);
        z.copy_from(x);
        t.apply(z.component(0), wrong);
        double off = 0.0;
        for (std::int64_t i = 0; i < lat.volume(); ++i)
            off = std::max(off, std::abs(z.component(0)[i] - lx[i]));
        CHECK(off > 0.1);
    }
    SECTION("G = (L + m^2)^-1 at a point source is the momentum sum; G(0) = <phi^2>") {
        const Lattice lat({8, 8}, {Boundary::periodic, Boundary::periodic});
        const double m2 = 1.0;
        const LaplacianTransform t(lat);
        std::vector<double> d = t.momentum_squared(free_action(lat, {1.0}, m2));
        for (double& v : d)
            v = 1.0 / (v + m2);
        Field g(lat, 1);
        g.component(0)[0] = 1.0;
        t.apply(g.component(0), d);
        // Published free-field value (Montvay & Münster, Quantum Fields on a Lattice, ch. 2; the
        // momentum sum at x = 0): <phi^2> = 0.2541739977 on 8², m² = 1.
        CHECK(g.component(0)[0] == Approx(0.2541739977).epsilon(1e-9));
        for (std::int64_t s = 0; s < lat.volume(); ++s) {
            const auto x = lat.coordinates(s);
            double sum = 0.0;
            for (int k0 = 0; k0 < 8; ++k0)
                for (int k1 = 0; k1 < 8; ++k1) {
                    const double q0 = 2.0 * std::numbers::pi * k0 / 8,
                                 q1 = 2.0 * std::numbers::pi * k1 / 8;
                    const double p2 =
                        4.0 * std::pow(std::sin(q0 / 2), 2) + 4.0 * std::pow(std::sin(q1 / 2), 2);
                    sum += std::cos(q0 * x[0] + q1 * x[1]) / (p2 + m2);
                }
            CHECK(g.component(0)[s] == Approx(sum / 64.0).margin(1e-14));
        }
    }
}

TEST_CASE("the Fourier mass: highest mode 1; a mean-field axis and mu <= 0 refused", "[fourier]") {
    const Lattice lat({8, 6}, {Boundary::periodic, Boundary::open});
    FourierMass m(lat, 0.5);
    ActionParams a = free_action(lat, {1.0, 2.0}, 1.0);
    m.prepare(a);
    const auto& mass = m.mass();
    CHECK(*std::max_element(mass.begin(), mass.end()) == 1.0);
    CHECK(
        mass[0] ==
        Approx(0.25 / (4.0 + 2.0 * 4.0 * std::pow(std::sin(5 * std::numbers::pi / 12), 2) + 0.25)));
    a.kind[1] = CouplingKind::mean;
    REQUIRE_THROWS_WITH(m.prepare(a), Catch::Contains("mean-field"));
    REQUIRE_THROWS_WITH(FourierMass(lat, 0.0), Catch::Contains("fourier_mass"));
}

namespace {

void check_fa_hmc_free_field(int trajectories) {
    // Exact: 0.2541739977 (8², m² = 1, T = 1; the momentum sum above). Euler–Maruyama at
    // ε = 0.2, just inside its stability bound 2/9: every mode's variance 1/(k(1 − εk/2)).
    const double exact = 0.2541739977, eps = 0.2;
    const double em =
        mode_average(8, 2, 1.0, [&](double k) { return 1.0 / (k * (1.0 - 0.5 * eps * k)); });
    struct Case {
        MdIntegrator integrator;
        int steps;
        double eps;
    };
    // μ = m: every mode at ω = √(p²_max + μ²) = 3, leapfrog rotates it by 0.61 rad per step of
    // 0.2, three steps 1.8 rad (no resonance); Omelyan at twice the step.
    for (const Case& k :
         {Case{MdIntegrator::leapfrog, 3, eps}, Case{MdIntegrator::omelyan, 2, 0.4}}) {
        Config c = free_config({8, 8}, 1.0, Method::fa_hmc, k.eps);
        c.dynamics.hmc_steps = k.steps;
        c.dynamics.hmc_integrator = k.integrator;
        c.dynamics.hmc_jitter = 0.1;
        c.dynamics.fourier_mass = 1.0;
        const Chain r = run_chain(c, 100, trajectories);
        INFO("integrator " << static_cast<int>(k.integrator) << ": phi2 " << r.phi2.mean << " +- "
                           << r.phi2.error << " (langevin " << em << "), acceptance "
                           << r.accepted.mean << ", <exp(-dH)> " << r.creutz.mean << " +- "
                           << r.creutz.error << ", tau_int " << r.phi2.tau_int);
        CHECK(std::abs(r.phi2.mean - exact) < 4.0 * r.phi2.error);
        CHECK(std::abs(r.phi2.mean - em) > 20.0 * r.phi2.error);
        CHECK(std::abs(r.creutz.mean - 1.0) < 4.0 * r.creutz.error);
        CHECK(r.accepted.mean < 0.99);
        CHECK(r.accepted.mean > 0.3);
    }
}

} // namespace

TEST_CASE("fa_hmc samples the exact free field at a step where langevin is far off",
          "[fourier][samplers]") {
    check_fa_hmc_free_field(4000);
}

TEST_CASE("fa_hmc samples the exact free field: 10x the statistics", "[fourier][long]") {
    check_fa_hmc_free_field(40000);
}

namespace {

// An interacting point near the transition (tests/samplers.hpp), where the Fourier mass is far
// from the dynamics' own.
void check_schaich_loinaz(int trajectories) {
    Config c = published_point(Method::fa_hmc, 0.15, 6);
    c.dynamics.fourier_mass = 0.5;
    check_published_point(c, trajectories, "fa_hmc");
}

} // namespace

TEST_CASE("fa_hmc reproduces Schaich & Loinaz's interacting 32^2 point (short)",
          "[fourier][samplers]") {
    check_schaich_loinaz(5000);
}

TEST_CASE("fa_hmc reproduces Schaich & Loinaz's interacting 32^2 point", "[fourier][long]") {
    check_schaich_loinaz(100000);
}

TEST_CASE("the Fourier-accelerated molecular dynamics is reversible to rounding", "[fourier]") {
    Config c = interacting_config(Method::fa_hmc);
    c.lattice.dims = {6, 5, 4};
    const Lattice lat(c.lattice);
    const ActionParams action = resolve_action(c.action, 3, 2);
    FourierMass mass(lat, 0.7);
    mass.prepare(action);
    Field work(lat, 2);
    const MdDrift drift = [&](Field& x, const Field& q, double e) {
        fourier_drift(mass, x, q, e, work);
    };
    for (const MdIntegrator integrator : {MdIntegrator::leapfrog, MdIntegrator::omelyan}) {
        INFO("integrator " << static_cast<int>(integrator));
        check_reversible(
            lat,
            [&](Field& phi, Field& p) {
                md_trajectory(lat, action, integrator, 20, 0.05, phi, p, drift);
            },
            [&](const Field& phi, const Field& p) {
                return action_sum(lat, action, phi) + fourier_kinetic_sum(mass, p, work);
            });
    }
}

namespace {

// Stationary ⟨φ²⟩ of Euler–Maruyama with mode k's own step ε_k = ε / M_k on the free field:
// φ_k' = (1 − ε_k a_k) φ_k + √(2Tε_k) ξ_k, a_k = p² + m², has variance
// 2Tε_k / (1 − (1 − ε_k a_k)²) = T / (a_k (1 − ε_k a_k / 2)); the modes are an orthogonal basis,
// so ⟨φ²⟩ = V⁻¹ Σ_k of it.
double fa_langevin_phi2(const Lattice& lat, const ActionParams& a, double mu, double eps,
                        double T) {
    FourierMass mass(lat, mu);
    mass.prepare(a);
    const std::vector<double> p2 = mass.transform().momentum_squared(a);
    double sum = 0.0;
    for (std::size_t k = 0; k < p2.size(); ++k) {
        const double ak = p2[k] + a.m2, ek = eps / mass.mass()[k];
        REQUIRE(ek * ak < 2.0);
        sum += T / (ak * (1.0 - 0.5 * ek * ak));
    }
    return sum / static_cast<double>(p2.size());
}

} // namespace

namespace {

void check_fa_langevin_free_field(int steps) {
    // Periodic × open, anisotropic, μ ≠ m: the steps ε_k a_k differ from mode to mode.
    Config c = free_config({8, 6}, 0.5, Method::fa_langevin, 0.08);
    c.lattice.boundary = {Boundary::periodic, Boundary::open};
    c.action.coupling = {1.0, 0.7};
    c.dynamics.fourier_mass = 0.6;
    c.dynamics.temperature = 1.3;
    const Lattice lat(c.lattice);
    const ActionParams a = resolve_action(c.action, 2, 1);
    const double predicted = fa_langevin_phi2(lat, a, 0.6, 0.08, 1.3);
    const double exact = fa_langevin_phi2(lat, a, 0.6, 1e-12, 1.3); // ε → 0: e^{−S/T}
    Simulation sim(c, cold_field(c));
    const stats::GammaResult r = stats::gamma_method(series(sim, "phi2", 200, steps));
    INFO("phi2 " << r.mean << " +- " << r.error << ", predicted " << predicted << ", exact "
                 << exact << ", tau_int " << r.tau_int);
    CHECK(std::abs(r.mean - predicted) < 4.0 * r.error);
    CHECK(std::abs(r.mean - exact) > 10.0 * r.error); // the bias is resolved
}

} // namespace

TEST_CASE("fa_langevin's stationary free field is Euler-Maruyama with each mode's own step",
          "[fourier]") {
    check_fa_langevin_free_field(40000);
}

TEST_CASE("fa_langevin's stationary free field: the per-mode formula at 10x the statistics",
          "[fourier][long]") {
    check_fa_langevin_free_field(400000);
}

TEST_CASE("an fa_langevin step is eps M^-1 F plus noise of covariance 2 T eps M^-1", "[fourier]") {
    // Interacting, two components, field h, periodic × open: M⁻¹ = (p²_max + μ²)(L + μ²)⁻¹ with
    // L the Laplacian written out site by site, so (L + μ²) Δ / (p²_max + μ²) = ε F at T = 0.
    Config c = free_config({8, 6}, -0.3, Method::fa_langevin, 0.05);
    c.lattice.boundary = {Boundary::periodic, Boundary::open};
    c.field.components = 2;
    c.action.lambda = 0.5;
    c.action.coupling = {1.0, 0.7};
    c.action.h = {0.1, 0.0};
    c.dynamics.fourier_mass = 0.6;
    const Lattice lat(c.lattice);
    const ActionParams a = resolve_action(c.action, 2, 2);
    const Field start = random_field(lat, 2, 9, 0.7);
    auto one_step = [&](Method m, double T) {
        Config k = c;
        k.dynamics.method = m;
        k.dynamics.temperature = T;
        Field phi(lat, 2);
        phi.copy_from(start);
        Simulation sim(k, std::move(phi));
        sim.advance();
        Field out(lat, 2);
        out.copy_from(sim.state().phi[0]);
        return out;
    };
    const Field euler = one_step(Method::langevin, 0.0); // φ + ε F
    const Field quiet = one_step(Method::fa_langevin, 0.0);
    const Field noisy = one_step(Method::fa_langevin, 0.8);
    const std::vector<double> p2 = LaplacianTransform(lat).momentum_squared(a);
    const double top = *std::max_element(p2.begin(), p2.end()) + 0.36;
    const std::int64_t v = lat.volume();
    double err = 0.0, m_norm = 0.0, xi2 = 0.0;
    std::vector<double> delta(static_cast<std::size_t>(v)), xi(static_cast<std::size_t>(v));
    for (int comp = 0; comp < 2; ++comp) {
        for (std::int64_t x = 0; x < v; ++x)
            delta[x] = quiet.component(comp)[x] - start.component(comp)[x];
        const std::vector<double> ld = laplacian(lat, a, delta.data());
        for (std::int64_t x = 0; x < v; ++x) {
            const double eps_f = euler.component(comp)[x] - start.component(comp)[x];
            err = std::max(err, std::abs((ld[x] + 0.36 * delta[x]) / top - eps_f));
        }
        // The noise part η = √(2Tε) M^{-1/2} ξ: η·Mη = 2Tε |ξ|² for langevin's ξ of step 0.
        for (std::int64_t x = 0; x < v; ++x)
            delta[x] = noisy.component(comp)[x] - quiet.component(comp)[x];
        const std::vector<double> le = laplacian(lat, a, delta.data());
        for (std::int64_t x = 0; x < v; ++x)
            m_norm += delta[x] * (le[x] + 0.36 * delta[x]) / top;
        fill_gaussian({c.run.seed, 0}, Stream::dynamics, 0, comp, 0, v, xi.data());
        for (std::int64_t x = 0; x < v; ++x)
            xi2 += xi[x] * xi[x];
    }
    INFO("drift error " << err << ", eta.M eta " << m_norm << ", 2 T eps |xi|^2 "
                        << 2 * 0.8 * 0.05 * xi2);
    CHECK(err < 1e-13);
    CHECK(m_norm == Approx(2.0 * 0.8 * 0.05 * xi2).epsilon(1e-12));
}

TEST_CASE("fa_hmc and fa_langevin write identical bits with 1 and 2 threads and after a restart",
          "[fourier][bitwise]") {
    for (const Method method : {Method::fa_hmc, Method::fa_langevin}) {
        Config c = interacting_config(method, method == Method::fa_hmc ? 0.3 : 0.02);
        c.dynamics.hmc_steps = 3;
        c.dynamics.hmc_jitter = 0.2;
        c.dynamics.fourier_mass = 0.8;
        INFO("method " << static_cast<int>(method));
        const Field one = run_with_threads(c, 1, 8);
        const Field two = run_with_threads(c, 2, 8);
        REQUIRE(one.bitwise_equal(two));
        Simulation mid(c, cold_field(c, 0.3));
        for (int i = 0; i < 3; ++i)
            mid.advance();
        State s;
        s.phi.emplace_back(mid.lattice(), 2);
        s.phi[0].copy_from(mid.state().phi[0]);
        s.step = mid.state().step;
        s.time = mid.state().time;
        s.next_eps = mid.state().next_eps;
        Simulation resumed(c, std::move(s));
        for (int i = 3; i < 8; ++i)
            resumed.advance();
        REQUIRE(resumed.state().phi[0].bitwise_equal(one));
        Field start = cold_field(c, 0.3);
        CHECK(!one.bitwise_equal(start));
    }
}

namespace {

// Schedules (m², and the step for fa_langevin), replicas started apart, an open axis.
std::string resume_deck(const std::string& dynamics) {
    return R"(# Fourier acceleration with schedules and replicas
[run]
seed = 7
replicas = 2
replica_init = independent
[lattice]
dims = 12 10
boundary = periodic open
[field]
components = 2
init = hot
[action]
lambda = 0.8
h = 0.01 0
[dynamics]
steps = 120
fourier_mass = 0.7
)" + dynamics +
           R"(
[schedule]
m2 = cosine 0.5 -1.2 [0:120]
[measure]
every = 5
save_every = 30
[checkpoint]
every = 30
)";
}

} // namespace

TEST_CASE("fa_hmc and fa_langevin: n steps + --resume for n more equals 2n steps bit for bit",
          "[fourier][checkpoint]") {
    Scratch s("fourier-resume");
    for (const std::string& dynamics :
         {std::string("method = fa_hmc\nstep = 0.3\nhmc_steps = 3\nhmc_jitter = 0.2\n"
                      "hmc_integrator = omelyan"),
          std::string("method = fa_langevin\n[schedule]\nstep = linear 0.02 0.01 [0:120]")}) {
        INFO(dynamics);
        s.write("run.ini", resume_deck(dynamics));
        REQUIRE(run_ssbsim(s, "run run.ini -o full.h5 --overwrite").status == 0);
        REQUIRE(
            run_ssbsim(s, "run run.ini --set dynamics.steps=60 -o half.h5 --overwrite").status ==
            0);
        const Result r = run_ssbsim(s, "run run.ini -o half.h5 --resume");
        REQUIRE(r.status == 0);
        REQUIRE(r.err.find("continuing from step 60") != std::string::npos);
        require_same_output(s.path("full.h5"), s.path("half.h5"));
        for (const char* f : {"half.ckpt.h5", "half.ckpt.h5.bak"})
            std::filesystem::remove(s.path(f));
    }
}

TEST_CASE("the deck refuses Fourier acceleration where it does not apply", "[fourier][errors]") {
    const std::string deck = "[run]\noutput = x.h5\n[lattice]\ndims = 8 8\n[dynamics]\n"
                             "method = fa_langevin\nsteps = 10\nstep = 0.1\n";
    auto refused = [&](const std::vector<std::string>& overrides, const std::string& what) {
        INFO(what);
        REQUIRE_THROWS_WITH(load_deck_text(deck, overrides, "test.ini"), Catch::Contains(what));
    };
    const Config ok = load_deck_text(deck, {"dynamics.fourier_mass=0.3"}, "test.ini");
    CHECK(ok.dynamics.fourier_mass == 0.3);
    CHECK(load_deck_text(deck, {}, "test.ini").dynamics.fourier_mass == 1.0);
    CHECK(load_deck_text(deck, {"dynamics.method=fa_hmc", "dynamics.hmc_steps=4"}, "test.ini")
              .dynamics.hmc_steps == 4);
    refused({"dynamics.fourier_mass=0"}, "dynamics.fourier_mass");
    refused({"dynamics.method=langevin", "dynamics.fourier_mass=0.5"}, "dynamics.fourier_mass");
    refused({"dynamics.hmc_steps=3"}, "dynamics.hmc_steps");
    refused({"action.coupling_kind=mean nearest"}, "Fourier acceleration diagonalises");
    refused({"dynamics.method=fa_hmc", "dynamics.temperature=0"}, "needs T > 0");
}
