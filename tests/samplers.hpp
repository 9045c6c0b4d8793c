// Helpers shared by the tests of the exact samplers (test_samplers, test_fourier, test_cluster):
// a Metropolis chain's records, and the published interacting 2D point they all reproduce.
#pragma once

#include "ssbsim/analysis/stats.hpp"
#include "support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace ssbsim::test {

struct Chain {
    stats::GammaResult phi2, accepted, creutz;
};

// Thermalises, then records φ², the Metropolis decision and e^{−ΔH} after each of n steps.
inline Chain run_chain(const Config& c, int thermalise, int n) {
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

// Schaich & Loinaz, PRD 79, 056008 (2009) (reference runs of github.com/daschaich/2d_phi4):
// 32², λ = 0.5, m² = −0.7 (mass form, J = 1), ⟨S/V⟩ = 0.35903(98), ⟨|M|⟩ = 0.4346(64). The
// deck of an Omelyan HMC-type method at step eps, jittered by 20 %.
inline Config published_point(Method method, double eps, int md_steps) {
    Config c = free_config({32, 32}, -0.7, method, eps);
    c.action.lambda = 0.5;
    c.dynamics.hmc_steps = md_steps;
    c.dynamics.hmc_integrator = MdIntegrator::omelyan;
    c.dynamics.hmc_jitter = 0.2;
    return c;
}

// Samples `trajectories` after 200 from a cold start at 0.5 and checks both published values
// within 3 σ (ours and theirs combined).
inline void check_published_point(const Config& c, int trajectories, const std::string& label) {
    Simulation sim(c, cold_field(c, 0.5));
    for (int i = 0; i < 200; ++i)
        sim.advance();
    std::vector<double> action, abs_m;
    for (int i = 0; i < trajectories; ++i) {
        sim.advance();
        const std::vector<double> r = sim.measure();
        action.push_back(r[record_offset("action", 1)]);
        abs_m.push_back(r[record_offset("abs_magnetization", 1)]);
    }
    const auto s = stats::gamma_method(action), m = stats::gamma_method(abs_m);
    INFO(label << ": <S/V> = " << s.mean << " +- " << s.error << " (0.35903(98)), tau_int "
               << s.tau_int << "; <|M|> = " << m.mean << " +- " << m.error
               << " (0.4346(64)), tau_int " << m.tau_int);
    CHECK(std::abs(s.mean - 0.35903) < 3.0 * std::hypot(s.error, 0.00098));
    CHECK(std::abs(m.mean - 0.4346) < 3.0 * std::hypot(m.error, 0.0064));
}

// Reversibility of a molecular-dynamics integrator: from smooth (φ, p) on `lat` with two
// components, `trajectory` (20 steps of 0.05) moves φ, negating p and integrating again returns
// to (φ, −p) to rounding, and `hamiltonian` is nearly conserved.
template <class Trajectory, class Hamiltonian>
void check_reversible(const Lattice& lat, Trajectory&& trajectory, Hamiltonian&& hamiltonian) {
    Field phi(lat, 2), p(lat, 2);
    for (int a = 0; a < 2; ++a)
        for (std::int64_t x = 0; x < lat.volume(); ++x) {
            phi.component(a)[x] = std::sin(0.7 * x + a);
            p.component(a)[x] = std::cos(1.3 * x - a);
        }
    Field phi0(lat, 2), p0(lat, 2);
    phi0.copy_from(phi);
    p0.copy_from(p);
    const double h0 = hamiltonian(phi, p);
    trajectory(phi, p);
    const double h1 = hamiltonian(phi, p);
    double moved = 0.0;
    for (int a = 0; a < 2; ++a)
        for (std::int64_t x = 0; x < lat.volume(); ++x) {
            moved = std::max(moved, std::abs(phi.component(a)[x] - phi0.component(a)[x]));
            p.component(a)[x] = -p.component(a)[x];
        }
    trajectory(phi, p);
    double err = 0.0;
    for (int a = 0; a < 2; ++a)
        for (std::int64_t x = 0; x < lat.volume(); ++x) {
            err = std::max(err, std::abs(phi.component(a)[x] - phi0.component(a)[x]));
            err = std::max(err, std::abs(p.component(a)[x] + p0.component(a)[x]));
        }
    INFO("moved " << moved << ", returned to within " << err << ", dH " << h1 - h0);
    CHECK(moved > 0.1);
    CHECK(err < 1e-12);
    CHECK(std::abs(h1 - h0) < 1e-2 * std::abs(h0)); // energy nearly conserved
}

} // namespace ssbsim::test
