// The φ⁴ action in its two parametrisations and the exact map between them.
// Mass form: S = Σ_x [ Σ_μ J_μ/2 |φ_{x+μ} − φ_x|² + m²/2 |φ|² + λ/4 |φ|⁴ − h·φ ].
// Hopping form: S = Σ_x [ −2κ Σ_μ φ_x·φ_{x+μ} + |φ|² + λ_K (|φ|² − 1)² − h_K·φ ], identical to the
// mass form with J = 1 under φ_M = √(2κ) φ_K on a periodic lattice (docs/validation.md). The
// kernels see only ActionParams (mass form); action_sum gives S of a configuration (Metropolis,
// HMC). Tested by test_action.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <array>
#include <vector>

namespace ssbsim {

class Domain; // domain.hpp: a rank's part of the lattice

class FibreMeans;

struct ActionParams {
    double m2 = 1.0;
    double lambda = 0.0;
    std::array<double, max_dims> coupling{};   // J_μ
    std::array<CouplingKind, max_dims> kind{}; // nearest (Laplacian) or mean (all-to-all)
    std::vector<double> h;                     // one per component
    const Field* source = nullptr;             // site-dependent part of h (source.hpp)
    const FibreMeans* means = nullptr;         // of the field whose force is taken (force.hpp)

    bool has_mean_axis(int dims) const;
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

// S[φ] of the mass form, summed over the whole lattice: per axis the nearest-neighbour term
// J_μ/2 |φ_{x+μ} − φ_x|² (no link across an open boundary) or, along a mean-field axis,
// J_μ |φ_x − φ̄|² with φ̄ the mean of the fibre through x; plus m²/2 |φ|² + λ/4 |φ|⁴ − (h + h_x)·φ
// (h_x: params.source). Summed through the fixed-order reduction of parallel.hpp: the same bits
// for any number of threads. The measurement's `action` is the same sum formed in its own pass
// (equal to rounding).
double action_sum(const Lattice& lattice, const ActionParams& params, const Field& phi);
// The same sum over a lattice split over MPI ranks (every rank calls it, phi its part; the halos
// are exchanged here): the rows' group sums of one process, added in its order (core/comm.hpp),
// so the bits of the whole lattice's action_sum on every rank.
double action_sum(const Domain& domain, const ActionParams& params, const Field& phi);

// Largest step for which Euler–Maruyama / Euler flow is linearly stable on the quadratic part:
// ε < 2 / (Σ_μ c_μ J_μ + m²), c_μ = 4 for a nearest-neighbour axis (the highest lattice momentum)
// and 2 for a mean-field axis; +inf when the denominator is <= 0.
double linear_stability_bound(const ActionParams& p, int dims);

} // namespace ssbsim
