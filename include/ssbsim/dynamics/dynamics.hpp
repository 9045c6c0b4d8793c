// Integrators of the field dynamics, one small interface: advance the field by one step of
// size ε at temperature T. `langevin` (Euler–Maruyama, noisy SGD), `langevin2` (Batrouni et al.
// second-order scheme), `flow` (Euler gradient flow = full-batch gradient descent), `flow_rk3`
// (Lüscher's low-storage RK3, JHEP 1008:071 App. C), `flow_adaptive` (RK3 with an embedded
// second-order error estimate and step control) and `momentum` (underdamped Langevin by BAOAB,
// heavy-ball SGD); what each method is and needs is its row in the method registry
// (methods.hpp). Integrators own their work buffers and no other state: everything needed to
// continue is in the arguments. Tested by test_dynamics and test_integrators (symmetries,
// monotonicity and convergence order on an interacting theory).
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"
#include "ssbsim/physics/rng.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

namespace ssbsim {

// The parameters in force during one step, as the schedules give them.
struct StepParams {
    ActionParams action;
    double eps = 0.0;         // step size ε (flow_adaptive: the step to try first)
    double temperature = 0.0; // T; ignored by the flow methods
    // Not parameters: the Metropolis test of the step that led here (hmc, mala), recorded with
    // the measurement after it (from StepResult); NaN for the other methods, and on a record
    // recomputed from a saved configuration.
    double accepted = std::numeric_limits<double>::quiet_NaN();
    double delta_h = std::numeric_limits<double>::quiet_NaN();
};

// method = momentum: the force at the field the last step ended on, with the parameters it was
// taken at (BAOAB is first-same-as-last: the closing force of a step opens the next, so a step
// costs one force evaluation). Not part of State: an empty or stale cache is recomputed, to the
// same bits, so checkpoints need not carry it. Whoever changes the field outside advance()
// must call invalidate().
struct ForceCache {
    std::optional<Field> force;
    ActionParams params;
    bool valid = false;

    bool valid_for(const ActionParams& p) const;
    void invalidate() { valid = false; }
};

// How a step draws and masks its noise ([training] noise and dropout; noise_model(config)).
// The default, independent noise without dropout, is the plain Langevin step.
struct NoiseModel {
    // noise = shared: the noise counter drops the coordinate of every axis marked here (the
    // mean-field axes), so all sites along them draw the same variate at a step.
    std::array<bool, max_dims> shared{};
    // dropout = p: per neuron and step a mask m (1 with probability 1 − p, else 0) multiplies
    // the neuron's force and noise; a neuron is a row when neuron_is_row (a network with an
    // input axis: its fan-in weights), else a site.
    double dropout = 0.0;
    bool neuron_is_row = false;

    bool shares() const;
};

// The noise model of a validated deck (the deck reader allows dropout only with [network] and
// methods langevin and flow, shared noise only with a mean-field axis).
NoiseModel noise_model(const Config& config);

struct StepInput {
    const ActionParams& action;
    double eps;
    double temperature;
    std::uint64_t step;        // global step number: the noise counter
    NoiseKey key;              // (seed, replica)
    Field* momentum = nullptr; // method = momentum: the conjugate momentum, updated in place
    ForceCache* force_cache = nullptr; // method = momentum: see ForceCache (optional)
    NoiseModel noise = {};             // [training] noise and dropout
};

struct StepResult {
    double dt;        // training time advanced (ε actually taken)
    double next_eps;  // flow_adaptive: proposed next step; otherwise the input ε
    int rejected = 0; // flow_adaptive: rejected attempts before this step
    // Metropolis methods (hmc, mala): 1 if the proposal was accepted, else 0, and its ΔH (minus
    // the log of the acceptance ratio); NaN for the others.
    double accepted = std::numeric_limits<double>::quiet_NaN();
    double delta_h = std::numeric_limits<double>::quiet_NaN();
};

class Integrator {
  public:
    virtual ~Integrator() = default;
    virtual StepResult advance(Field& phi, const StepInput& in) = 0;
};

// The integrator of dynamics.method, by its factory in the method registry (methods.hpp), on
// this rank's part of the lattice (a Lattice converts to a Domain holding all of it).
std::unique_ptr<Integrator> make_integrator(const DynamicsConfig& dynamics, const Domain& domain,
                                            int components);

// Gradient flow (no noise): the registry's `flow` column.
bool is_flow(Method method);

} // namespace ssbsim
