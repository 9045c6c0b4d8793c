#include "ssbsim/dynamics/simulation.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/dynamics/cluster.hpp"
#include "ssbsim/dynamics/methods.hpp"
#include "ssbsim/measure/layers.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/measure/replicas.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/source.hpp"

#include <cmath>
#include <string>

namespace ssbsim {

namespace {

std::vector<double> unit_direction(const std::vector<double>& h) {
    double norm2 = 0.0;
    for (double x : h)
        norm2 += x * x;
    std::vector<double> dir(h.size(), 0.0);
    if (norm2 == 0.0) {
        dir[0] = 1.0; // no direction given: along the first component
        return dir;
    }
    for (std::size_t a = 0; a < h.size(); ++a)
        dir[a] = h[a] / std::sqrt(norm2);
    return dir;
}

} // namespace

Simulation::Simulation(const Config& config, std::vector<Field> initial,
                       std::optional<Field> source_file, const Communicator& comm)
    : Simulation(config, State{std::move(initial), 0, 0.0, config.dynamics.step, {}},
                 std::move(source_file), comm) {}

namespace {
std::vector<Field> one(Field f) {
    std::vector<Field> v;
    v.push_back(std::move(f));
    return v;
}
} // namespace

Simulation::Simulation(const Config& config, Field initial, std::optional<Field> source_file)
    : Simulation(config, one(std::move(initial)), std::move(source_file)) {}

Simulation::Simulation(const Config& config, State state, std::optional<Field> source_file,
                       const Communicator& comm)
    : config_(config), lattice_(config.lattice), domain_(lattice_, comm),
      base_action_(resolve_action(config.action, lattice_.dims(), config.field.components)),
      h_direction_(unit_direction(base_action_.h)),
      source_(source_field(config, domain_, std::move(source_file))), measure_plans_(lattice_),
      noise_model_(noise_model(config)), state_(std::move(state)) {
    // Wolff grows its one cluster site by site: not yet across MPI ranks (sw is).
    if (domain_.split() && config.dynamics.cluster_every > 0 &&
        config.dynamics.cluster_kind == ClusterKind::wolff)
        throw InputError("dynamics.cluster_kind = wolff is not yet available split over " +
                         std::to_string(domain_.comm().size()) +
                         " MPI ranks: use cluster_kind = sw (the same bits as one process) or "
                         "run on one rank");
    const auto replicas = static_cast<std::int64_t>(state_.phi.size());
    const std::int64_t integrators =
        !domain_.split() && spreads_tasks(replicas, lattice_.volume()) ? replicas : 1;
    for (std::int64_t a = 0; a < integrators; ++a)
        integrators_.push_back(make_integrator(config.dynamics, domain_, config.field.components));
    // Momenta start at rest (a checkpoint brings its own).
    if (method_spec(config.dynamics.method).momentum)
        while (state_.momentum.size() < state_.phi.size())
            state_.momentum.emplace_back(domain_.local(), config.field.components);
    force_caches_.resize(state_.momentum.size());
    last_.assign(state_.phi.size(), StepResult{});
}

template <class Body>
void Simulation::for_each_replica(std::int64_t replicas, Body&& body) const {
    if (domain_.split())
        for (std::int64_t i = 0; i < replicas; ++i)
            body(i);
    else
        for_each_task(replicas, lattice_.volume(), body);
}

StepParams Simulation::params_at(std::int64_t step) const {
    const ScheduleConfig& s = config_.schedule;
    StepParams p;
    p.action = base_action_;
    p.action.source = source_ ? &*source_ : nullptr;
    if (s.m2) p.action.m2 = s.m2->at(step);
    if (s.h) {
        const double magnitude = s.h->at(step);
        for (std::size_t a = 0; a < p.action.h.size(); ++a)
            p.action.h[a] = magnitude * h_direction_[a];
    }
    if (method_spec(config_.dynamics.method).adaptive_step)
        p.eps = state_.next_eps;
    else
        p.eps = s.step ? s.step->at(step) : config_.dynamics.step;
    if (!is_flow(config_.dynamics.method))
        p.temperature = s.temperature ? s.temperature->at(step) : config_.dynamics.temperature;
    return p;
}

NoiseKey Simulation::key(int replica) const {
    const bool shared = config_.run.replica_noise == ReplicaNoise::shared;
    return {config_.run.seed, shared ? 0u : static_cast<std::uint32_t>(replica)};
}

void Simulation::advance() {
    const StepParams p = params_at(state_.step);
    auto advance_replica = [&](std::size_t a, double eps) {
        Field* momentum = state_.momentum.empty() ? nullptr : &state_.momentum[a];
        const StepInput in{p.action,
                           eps,
                           p.temperature,
                           static_cast<std::uint64_t>(state_.step),
                           key(static_cast<int>(a)),
                           momentum,
                           force_caches_.empty() ? nullptr : &force_caches_[a],
                           noise_model_};
        return integrators_[std::min(a, integrators_.size() - 1)]->advance(state_.phi[a], in);
    };
    const auto replicas = static_cast<std::int64_t>(state_.phi.size());
    StepResult r{};
    if (method_spec(config_.dynamics.method).adaptive_step) {
        // One step for all replicas, chosen on the first, keeps a common time grid; the deck
        // allows it only for identical replicas (same start, no noise), which pick the same.
        r = advance_replica(0, p.eps);
        for_each_replica(replicas - 1, [&](std::int64_t i) {
            if (advance_replica(static_cast<std::size_t>(i) + 1, r.dt).dt != r.dt)
                throw std::logic_error("flow_adaptive: replicas chose different step sizes");
        });
    } else {
        for_each_replica(replicas, [&](std::int64_t i) {
            const StepResult ri = advance_replica(static_cast<std::size_t>(i), p.eps);
            last_[static_cast<std::size_t>(i)] = ri;
            if (i == 0) r = ri;
        });
    }
    const std::int64_t every = config_.dynamics.cluster_every;
    if (every > 0 && (state_.step + 1) % every == 0) {
        // After the method's step, with its step's parameters and counter (stream `cluster`).
        const auto update = [&](std::int64_t i) {
            const auto a = static_cast<std::size_t>(i);
            cluster_update(domain_, p.action, p.temperature, config_.dynamics.cluster_kind,
                           key(static_cast<int>(i)), static_cast<std::uint64_t>(state_.step),
                           state_.phi[a]);
            if (a < force_caches_.size()) force_caches_[a].invalidate(); // the field moved
        };
        if (domain_.split()) // one replica after the other: their collectives must not interleave
            for (std::int64_t i = 0; i < replicas; ++i)
                update(i);
        else
            for_each_task(replicas, lattice_.volume(), update);
    }
    state_.step += 1;
    advance_time(r.dt);
    state_.next_eps = r.next_eps;
}

// Training time after a step of dt. A constant step gives t = step × ε with one rounding (a
// running sum drifts: 10^4 steps of 0.1 gave 999.9999999992). A schedule or flow_adaptive varies
// the step: a compensated sum -- Knuth's TwoSum of time and dt, its error accumulated in
// time_residual, renormalised so that time is the double nearest time + time_residual -- keeps
// the error at ~1 ulp of t over any number of steps. Both parts are in the checkpoint, so a
// resumed run continues the same sum bit for bit.
void Simulation::advance_time(double dt) {
    if (!method_spec(config_.dynamics.method).adaptive_step && !config_.schedule.step) {
        state_.time = static_cast<double>(state_.step) * dt;
        state_.time_residual = 0.0;
        return;
    }
    const double sum = state_.time + dt;
    const double dt_part = sum - state_.time;
    const double error = (state_.time - (sum - dt_part)) + (dt - dt_part);
    const double low = state_.time_residual + error;
    state_.time = sum + low;
    state_.time_residual = low - (state_.time - sum);
}

Measurement Simulation::measure_all() const {
    Measurement m;
    m.step = state_.step;
    m.time = state_.time;
    m.records.resize(state_.phi.size());
    for_each_replica(static_cast<std::int64_t>(m.records.size()),
                     [&](std::int64_t r) { m.records[r] = measure(static_cast<int>(r)); });
    m.replicas = replica_metrics(domain_, state_.phi);
    if (config_.network.enabled)
        m.layers = layer_observables(domain_, state_.phi[0], params_at(state_.step).action);
    return m;
}

std::vector<double> Simulation::measure(int replica) const {
    StepParams p = params_at(state_.step);
    p.accepted = last_[static_cast<std::size_t>(replica)].accepted;
    p.delta_h = last_[static_cast<std::size_t>(replica)].delta_h;
    return ssbsim::measure(domain_, state_.phi[static_cast<std::size_t>(replica)], p,
                           measure_plans_);
}

} // namespace ssbsim
