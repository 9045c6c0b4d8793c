// The exact samplers against exact results: HMC (leapfrog and Omelyan) on the Gaussian free
// field at a step where Langevin is visibly biased, Creutz's identity ⟨e^{−ΔH}⟩ = 1, the
// reversibility of the molecular dynamics to rounding, and the bitwise invariants (thread count,
// resume from State).
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/dynamics/hmc.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <omp.h>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

Config hmc_config(MdIntegrator integrator, double eps, int steps) {
    Config c = free_config({8, 8}, 1.0, Method::hmc, eps);
    c.dynamics.hmc_integrator = integrator;
    c.dynamics.hmc_steps = steps;
    return c;
}

double em_variance(double k, double eps) {
    return 1.0 / (k * (1.0 - 0.5 * eps * k));
}

struct Chain {
    stats::GammaResult phi2, accepted, creutz;
};

// Thermalises, then records φ², the Metropolis decision and e^{−ΔH} after each of n steps.
Chain run_chain(const Config& c, int thermalise, int n) {
    Simulation sim(c, cold_field(c));
    for (int i = 0; i < thermalise; ++i)
        sim.advance();
    std::vector<double> phi2, acc, creutz;
    const int comps = c.field.components;
    for (int i = 0; i < n; ++i) {
        sim.advance();
        const auto r = sim.measure();
        phi2.push_back(r[record_offset("phi2", comps)]);
        acc.push_back(r[record_offset("accepted", comps)]);
        creutz.push_back(r[record_offset("exp_minus_delta_h", comps)]);
    }
    return {stats::gamma_method(phi2), stats::gamma_method(acc), stats::gamma_method(creutz)};
}

} // namespace

TEST_CASE("HMC samples the exact free field at a step where Langevin is biased", "[samplers]") {
    const double exact = 0.2541739977; // 8², m² = 1, T = 1
    // Euler–Maruyama at ε = 0.1 gives 0.3220757335: far outside the errors below.
    const double em = mode_average(8, 2, 1.0, [](double k) { return em_variance(k, 0.1); });
    for (const auto& [integrator, eps] :
         {std::pair(MdIntegrator::leapfrog, 0.45), std::pair(MdIntegrator::omelyan, 0.7)}) {
        const Chain r = run_chain(hmc_config(integrator, eps, 3), 200, 8000);
        INFO("integrator " << static_cast<int>(integrator) << ": phi2 " << r.phi2.mean << " +- "
                           << r.phi2.error << ", acceptance " << r.accepted.mean << ", <exp(-dH)> "
                           << r.creutz.mean << " +- " << r.creutz.error);
        CHECK(std::abs(r.phi2.mean - exact) < 4.0 * r.phi2.error);
        CHECK(std::abs(r.phi2.mean - em) > 20.0 * r.phi2.error);
        CHECK(std::abs(r.creutz.mean - 1.0) < 4.0 * r.creutz.error);
        // The step is large enough that the Metropolis test matters.
        CHECK(r.accepted.mean < 0.95);
        CHECK(r.accepted.mean > 0.3);
    }
}

TEST_CASE("MALA samples the exact free field at a step where Langevin is biased", "[samplers]") {
    const double exact = 0.2541739977, eps = 0.15;
    const double em = mode_average(8, 2, 1.0, [&](double k) { return em_variance(k, eps); });
    const Chain r = run_chain(free_config({8, 8}, 1.0, Method::mala, eps), 300, 30000);
    INFO("phi2 " << r.phi2.mean << " +- " << r.phi2.error << " (langevin " << em << "), acceptance "
                 << r.accepted.mean << ", <exp(-dH)> " << r.creutz.mean << " +- "
                 << r.creutz.error);
    CHECK(std::abs(r.phi2.mean - exact) < 4.0 * r.phi2.error);
    CHECK(std::abs(r.phi2.mean - em) > 10.0 * r.phi2.error);
    CHECK(std::abs(r.creutz.mean - 1.0) < 4.0 * r.creutz.error);
    CHECK(r.accepted.mean < 0.99);
}

TEST_CASE("the molecular dynamics is reversible to rounding", "[samplers]") {
    Config c = free_config({6, 5, 4}, -0.8, Method::hmc, 0.05);
    c.field.components = 2;
    c.action.lambda = 0.7;
    c.action.h = {0.05, 0.0};
    const Lattice lat(c.lattice);
    const ActionParams action = resolve_action(c.action, 3, 2);
    for (const MdIntegrator integrator : {MdIntegrator::leapfrog, MdIntegrator::omelyan}) {
        Field phi(lat, 2), p(lat, 2);
        for (int a = 0; a < 2; ++a)
            for (std::int64_t x = 0; x < lat.volume(); ++x) {
                phi.component(a)[x] = std::sin(0.7 * x + a);
                p.component(a)[x] = std::cos(1.3 * x - a);
            }
        Field phi0(lat, 2), p0(lat, 2);
        phi0.copy_from(phi);
        p0.copy_from(p);
        const double h0 = action_sum(lat, action, phi) + kinetic_sum(lat, p);
        md_trajectory(lat, action, integrator, 20, 0.05, phi, p);
        const double h1 = action_sum(lat, action, phi) + kinetic_sum(lat, p);
        double moved = 0.0;
        for (int a = 0; a < 2; ++a)
            for (std::int64_t x = 0; x < lat.volume(); ++x) {
                moved = std::max(moved, std::abs(phi.component(a)[x] - phi0.component(a)[x]));
                p.component(a)[x] = -p.component(a)[x];
            }
        md_trajectory(lat, action, integrator, 20, 0.05, phi, p);
        double err = 0.0;
        for (int a = 0; a < 2; ++a)
            for (std::int64_t x = 0; x < lat.volume(); ++x) {
                err = std::max(err, std::abs(phi.component(a)[x] - phi0.component(a)[x]));
                err = std::max(err, std::abs(p.component(a)[x] + p0.component(a)[x]));
            }
        INFO("integrator " << static_cast<int>(integrator) << ": moved " << moved
                           << ", returned to within " << err << ", dH " << h1 - h0);
        CHECK(moved > 0.1);
        CHECK(err < 1e-12);
        CHECK(std::abs(h1 - h0) < 1e-2 * std::abs(h0)); // energy nearly conserved
    }
}

namespace {

Config interacting_hmc() {
    Config c = free_config({16, 12, 48}, -0.8, Method::hmc, 0.05);
    c.lattice.boundary = {Boundary::periodic, Boundary::open, Boundary::periodic};
    c.field.components = 2;
    c.field.init_value = {0.3, -0.2};
    c.action.lambda = 0.7;
    c.action.coupling = {1.0, 0.6, 1.2};
    c.action.h = {0.05, 0.0};
    c.dynamics.hmc_steps = 4;
    c.dynamics.hmc_integrator = MdIntegrator::omelyan;
    return c;
}

} // namespace

TEST_CASE("HMC and MALA write identical bits with 1 and 2 threads and after a restart",
          "[samplers][bitwise]") {
    for (const Method method : {Method::hmc, Method::mala}) {
        Config c = interacting_hmc();
        c.dynamics.method = method;
        INFO("method " << static_cast<int>(method));
        auto run = [&](int threads, int steps) {
            omp_set_num_threads(threads);
            auto sim = std::make_unique<Simulation>(c, cold_field(c, 0.3));
            int accepted = 0;
            for (int i = 0; i < steps; ++i) {
                sim->advance();
                accepted += sim->measure()[record_offset("accepted", 2)] == 1.0;
            }
            omp_set_num_threads(omp_get_num_procs());
            return std::pair(std::move(sim), accepted);
        };
        const auto [one, acc_one] = run(1, 12);
        const auto [two, acc_two] = run(2, 12);
        REQUIRE(one->state().phi[0].bitwise_equal(two->state().phi[0]));
        REQUIRE(acc_one == acc_two);
        INFO("accepted " << acc_one << " of 12");
        CHECK(acc_one > 0);
        CHECK(acc_one < 12); // rejections happen: the restore path is exercised
        // A restart from the state after 5 steps (a checkpoint holds just this) continues with
        // the same bits.
        const auto [mid, acc_mid] = run(2, 5);
        (void)acc_mid;
        State s;
        s.phi.emplace_back(mid->lattice(), 2);
        s.phi[0].copy_from(mid->state().phi[0]);
        s.step = mid->state().step;
        s.time = mid->state().time;
        s.next_eps = mid->state().next_eps;
        Simulation resumed(c, std::move(s));
        for (int i = 5; i < 12; ++i)
            resumed.advance();
        REQUIRE(resumed.state().phi[0].bitwise_equal(one->state().phi[0]));
        REQUIRE(resumed.state().time == one->state().time);
    }
}
