// Hybrid Monte Carlo (Duane, Kennedy, Pendleton & Roweth, PLB 195, 216 (1987)): the building
// blocks of method = hmc, exposed for the tests of exactness and reversibility (test_samplers).
// H(φ, p) = Σ p²/2 + S(φ), momenta p ~ N(0, T); a trajectory of molecular dynamics (leapfrog or
// Omelyan's 2MN) is accepted with probability min(1, e^{−ΔH/T}), so e^{−S/T} is sampled exactly
// for any step size.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

namespace ssbsim {

// Omelyan, Mryglod & Folk, Comput. Phys. Commun. 151, 272 (2003): the 2MN integrator's λ that
// minimises the norm of its leading error terms.
inline constexpr double omelyan_lambda = 0.1931833275037836;

// `steps` molecular-dynamics steps of size eps from (φ, p), both updated in place: dφ/dt = p,
// dp/dt = −∂S/∂φ. Leapfrog costs steps + 1 force evaluations, Omelyan 2 steps + 1 (the kicks of
// neighbouring steps merged). Time-reversible: negating p and integrating again returns (φ, −p)
// to rounding.
void md_trajectory(const Lattice& lattice, const ActionParams& action, MdIntegrator integrator,
                   int steps, double eps, Field& phi, Field& p);

// Σ_x |p_x|²/2 through the fixed-order reduction (the same bits for any thread count).
double kinetic_sum(const Lattice& lattice, const Field& p);

} // namespace ssbsim
