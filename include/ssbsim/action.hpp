// The φ⁴ action in its two parametrisations and the exact map between them.
// Mass form: S = Σ_x [ Σ_μ J_μ/2 |φ_{x+μ} − φ_x|² + m²/2 |φ|² + λ/4 |φ|⁴ − h·φ ].
// Hopping form: S = Σ_x [ −2κ Σ_μ φ_x·φ_{x+μ} + |φ|² + λ_K (|φ|² − 1)² − h_K·φ ], identical to the
// mass form with J = 1 under φ_M = √(2κ) φ_K on a periodic lattice (shared/reference/validation.md).
// The kernels see only ActionParams (mass form). Tested by test_action.
#pragma once

#include "ssbsim/config.hpp"
#include "ssbsim/lattice.hpp"

#include <array>
#include <vector>

namespace ssbsim {

struct ActionParams {
    double m2 = 1.0;
    double lambda = 0.0;
    std::array<double, max_dims> coupling{}; // J_μ
    std::vector<double> h;                    // one per component
};

struct HoppingParams {
    double kappa = 0.0;
    double lambda = 0.0; // λ_K
    std::vector<double> h;
};

// φ_M = hopping_field_scale(κ) φ_K.
double hopping_field_scale(double kappa);
ActionParams mass_from_hopping(const HoppingParams& k, int dims);
// Defined for a uniform coupling J > 0 (rescaling φ by √J first); throws InputError otherwise.
HoppingParams hopping_from_mass(const ActionParams& m, int dims);

// The deck's action section, resolved to the mass form the kernels use.
ActionParams resolve_action(const ActionConfig& c, int dims, int components);

// Largest step for which Euler–Maruyama / Euler flow is linearly stable on the quadratic part:
// ε < 2 / (4 Σ_μ J_μ + m²) (the highest lattice momentum); +inf when 4ΣJ + m² <= 0.
double linear_stability_bound(const ActionParams& p, int dims);

} // namespace ssbsim
