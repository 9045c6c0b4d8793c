// A run's physics without its I/O (it opens no file; the app layer reads the inputs, io/inputs.hpp,
// and writes the Measurement, io/output.hpp): the lattice, the explicit State (field, step,
// training time, next step size) and the rule that turns the deck and the schedules into the
// parameters of each step. Everything needed to continue a run is in State (invariant 3), so a
// checkpoint is State plus the deck. Tested by test_dynamics and the deck-level tests.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/dynamics/dynamics.hpp"
#include "ssbsim/measure/measurement.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ssbsim {

struct State {
    std::vector<Field> phi;      // one field per replica (run.replicas)
    std::int64_t step = 0;       // completed steps
    double time = 0.0;           // training time t = Σ ε over completed steps (advance_time)
    double next_eps = 0.0;       // step size to try next (flow_adaptive adapts it)
    std::vector<Field> momentum; // method = momentum: one per replica; else empty
    // The part of Σ ε that `time` cannot hold: time + time_residual is the sum to about twice
    // double precision (a compensated sum); 0 for a constant step, where time = step × ε.
    double time_residual = 0.0;
};

class Simulation {
  public:
    // A new run at step 0 from one field per replica. `source_file`: δh_x of action.h_file,
    // read by the caller (io/inputs.hpp: read_source_field) and required with action.h_source =
    // file; the physics opens no file. `comm`: the ranks the lattice is split over
    // (physics/domain.hpp); the fields (and a state's momenta) are then this rank's parts
    // (initial_fields with the same domain), and so is source_file (read_source_field with the
    // same domain). Throws InputError for
    // what cannot run split yet.
    Simulation(const Config& config, std::vector<Field> initial,
               std::optional<Field> source_file = std::nullopt,
               const Communicator& comm = Communicator::serial());
    Simulation(const Config& config, Field initial, // a single replica
               std::optional<Field> source_file = std::nullopt);
    Simulation(const Config& config, State state, // continuing from a checkpoint
               std::optional<Field> source_file = std::nullopt,
               const Communicator& comm = Communicator::serial());

    const Lattice& lattice() const { return lattice_; } // the whole lattice
    const Domain& domain() const { return domain_; }    // this rank's part of it
    const State& state() const { return state_; }
    const Config& config() const { return config_; }

    // Parameters in force for the step that starts at `step` (schedules evaluated there).
    StepParams params_at(std::int64_t step) const;
    void advance();
    // The record of observable_specs() for replica r.
    std::vector<double> measure(int replica = 0) const;
    // Everything the output records at this step: every replica's record, the replica metrics,
    // and the per-layer observables with [network].
    Measurement measure_all() const;
    // Noise key of replica r: (seed, r), or (seed, 0) for every replica with shared noise.
    NoiseKey key(int replica) const;

  private:
    void advance_time(double dt);

    // Runs body(r) for every replica: side by side on the threads when they are small, one
    // after the other when the lattice is split (MPI is called only outside parallel regions).
    template <class Body>
    void for_each_replica(std::int64_t replicas, Body&& body) const;

    Config config_;
    Lattice lattice_;
    Domain domain_;
    ActionParams base_action_;
    std::vector<double> h_direction_; // unit vector along action.h, for schedule.h
    std::optional<Field> source_;     // site-dependent part of h (action.h_source)
    // One per replica when the replicas run side by side (small lattices: for_each_task), so
    // that no scratch field is shared; otherwise one.
    std::vector<std::unique_ptr<Integrator>> integrators_;
    MeasurePlans measure_plans_;
    NoiseModel noise_model_; // [training] noise and dropout
    State state_;
    // method = momentum: the force at each replica's field (first-same-as-last), rebuilt after
    // a resume; invalidated by anything that changes a field outside advance().
    std::vector<ForceCache> force_caches_;
    // Each replica's last step result (hmc, mala: its Metropolis test, for the next record).
    std::vector<StepResult> last_;
};

// The initial field of field.init: cold, hot (counter-based noise, stream `init`, the key of
// `replica`), or a copy of `from_file`, the last configuration of field.init_file read by the
// caller (io/inputs.hpp: read_initial_field with the same domain: this rank's part; required
// with field.init = file).
// Split over ranks (domain), each rank's part, drawn by the global site: the same field.
Field initial_field(const Config& config, const Domain& domain, int replica = 0,
                    const std::optional<Field>& from_file = std::nullopt);
// One initial field per replica: copies of replica 0's (run.replica_init = same), or each drawn
// with its own key (independent).
std::vector<Field> initial_fields(const Config& config, const Domain& domain,
                                  const std::optional<Field>& from_file = std::nullopt);

} // namespace ssbsim
