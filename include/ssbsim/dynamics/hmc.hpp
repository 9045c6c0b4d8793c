// Hybrid Monte Carlo (Duane, Kennedy, Pendleton & Roweth, PLB 195, 216 (1987)): the building
// blocks of method = hmc and fa_hmc, exposed for the tests of exactness and reversibility
// (test_samplers, test_fourier). H(φ, p) = ½ p·M⁻¹p + S(φ), momenta p ~ N(0, T M); a trajectory
// of molecular dynamics (leapfrog or Omelyan's 2MN) is accepted with probability
// min(1, e^{−ΔH/T}), so e^{−S/T} is sampled exactly for any step size. hmc: M = 1; fa_hmc:
// M = the Fourier mass of physics/fourier.hpp (Fourier acceleration).
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/fourier.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <functional>

namespace ssbsim {

// Omelyan, Mryglod & Folk, Comput. Phys. Commun. 151, 272 (2003): the 2MN integrator's λ that
// minimises the norm of its leading error terms.
inline constexpr double omelyan_lambda = 0.1931833275037836;

// The drift of the molecular dynamics, φ ← φ + c ∂K/∂p for the kinetic term K(p).
using MdDrift = std::function<void(Field& phi, const Field& p, double c)>;

// `steps` molecular-dynamics steps of size eps from (φ, p), both updated in place: dφ/dt =
// ∂K/∂p (by `drift`), dp/dt = −∂S/∂φ. Leapfrog costs steps + 1 force evaluations, Omelyan
// 2 steps + 1 (the kicks of neighbouring steps merged). Time-reversible when the drift is odd in
// p: negating p and integrating again returns (φ, −p) to rounding. On a split domain (every rank
// together, φ and p its parts) the sweeps run on its slab. A Lattice is one process's domain.
void md_trajectory(const Domain& domain, const ActionParams& action, MdIntegrator integrator,
                   int steps, double eps, Field& phi, Field& p, const MdDrift& drift);
// K = Σ p²/2: the drift φ ← φ + c p.
void md_trajectory(const Domain& domain, const ActionParams& action, MdIntegrator integrator,
                   int steps, double eps, Field& phi, Field& p);

// Fourier acceleration, K = ½ p·M⁻¹p: φ ← φ + c M⁻¹p, with `work` a field of p's shape.
void fourier_drift(const FourierMass& mass, Field& phi, const Field& p, double c, Field& work);
// ½ p·M⁻¹p, `work` as above (fixed-order reduction: the same bits for any thread count).
double fourier_kinetic_sum(const FourierMass& mass, const Field& p, Field& work);

// Σ_x |p_x|²/2 through the fixed-order reduction (the same bits for any thread count), over the
// ranks of a split domain in the order of one process (a Lattice is one process's domain).
double kinetic_sum(const Domain& domain, const Field& p);

} // namespace ssbsim
