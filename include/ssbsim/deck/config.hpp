// Typed, validated run parameters: what the deck layer produces and the physics consumes.
// Plain values with no parsing logic; every field corresponds to one deck key (see deck.hpp,
// `ssbsim keys`), except `deck_text`, the fully resolved deck recorded in every output file,
// and `key_values`, the same as text per key.
#pragma once

#include "ssbsim/physics/schedule.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ssbsim {

enum class Boundary { periodic, open };
enum class ActionForm { mass, hopping };
// One value per row of the method registry (dynamics/methods.hpp), in its order.
enum class Method {
    langevin,
    langevin2,
    flow,
    flow_rk3,
    flow_adaptive,
    momentum,
    hmc,
    mala,
    fa_hmc,
    fa_langevin
};
enum class MdIntegrator { leapfrog, omelyan }; // dynamics.hmc_integrator
enum class ClusterKind { wolff, sw };          // dynamics.cluster_kind
enum class InitKind { cold, hot, file };
enum class CouplingKind { nearest, mean };
enum class HSource { constant, random, file };
enum class ReplicaInit { same, independent };
enum class ReplicaNoise { independent, shared };
enum class TrainingNoise { independent, shared };

struct RunConfig {
    std::uint32_t seed = 1; // run.seed: Philox key word 0
    std::string output;     // run.output: HDF5 path
    bool overwrite = false; // run.overwrite
    int replicas = 1;       // run.replicas
    ReplicaInit replica_init = ReplicaInit::same;
    ReplicaNoise replica_noise = ReplicaNoise::independent;
};

struct LatticeConfig {
    std::vector<std::int64_t> dims; // lattice.dims: extents L_1..L_d, d in 1..4, each >= 2
    std::vector<Boundary> boundary; // lattice.boundary: one per axis (a single value is broadcast)
    std::vector<std::string> axis_names; // lattice.axis_names (x1..xd, or layer neuron [input])
};

// [network]: a depth x width [x fan_in] lattice of weights (filled into lattice and action).
struct NetworkConfig {
    bool enabled = false;
    std::int64_t depth = 0, width = 0, fan_in = 0; // fan_in 0: no input axis
    double layer_coupling = 1.0, neuron_coupling = 1.0, input_coupling = 1.0;
};

struct FieldConfig {
    int components = 1;             // field.components: N >= 1
    InitKind init = InitKind::cold; // field.init
    std::vector<double> init_value; // field.init_value: one per component (broadcast)
    double init_sigma = 1.0;        // field.init_sigma: width of the hot start
    std::string init_file;          // field.init_file: HDF5 output of an earlier run
};

struct ActionConfig {
    ActionForm form = ActionForm::mass; // action.form
    double m2 = 1.0;                    // action.m2        (mass form)
    double lambda = 0.0;                // action.lambda    (both forms; lambda_K in hopping form)
    std::vector<double> coupling;       // action.coupling  J per axis (mass form; broadcast)
    std::vector<CouplingKind> coupling_kind; // action.coupling_kind per axis (empty: nearest)
    std::vector<double> h;                   // action.h         per component (broadcast)
    double kappa = 0.0;                      // action.kappa     (hopping form)
    HSource h_source = HSource::constant;    // action.h_source
    double h_sigma = 1.0;                    // action.h_sigma   (random source)
    std::uint32_t h_seed = 1;                // action.h_seed    (random source)
    std::string h_file, h_dataset;           // action.h_file, action.h_dataset (file source)
};

struct DynamicsConfig {
    Method method = Method::langevin; // dynamics.method
    double step = 0.01;               // dynamics.step: epsilon (initial epsilon for flow_adaptive)
    double temperature = 1.0;         // dynamics.temperature: T (unused by the flow methods)
    std::int64_t steps = 1000;        // dynamics.steps: number of (accepted) steps
    double tolerance = 1e-6;          // dynamics.tolerance: flow_adaptive local error target
    double field_bound = 1e6; // dynamics.field_bound: max |phi| before a run counts as diverged
    double friction = 1.0;    // dynamics.friction: gamma of method = momentum
    int hmc_steps = 10;       // dynamics.hmc_steps: molecular-dynamics steps per trajectory
    MdIntegrator hmc_integrator = MdIntegrator::leapfrog; // dynamics.hmc_integrator
    double hmc_jitter = 0.0; // dynamics.hmc_jitter: relative spread of each trajectory's step
    double fourier_mass =
        1.0; // dynamics.fourier_mass: mu of the Fourier mass (fa_hmc, fa_langevin)
    // dynamics.cluster_every: a cluster update after every k-th step of the method (0: none)
    std::int64_t cluster_every = 0;
    ClusterKind cluster_kind = ClusterKind::wolff; // dynamics.cluster_kind
};

// Optional schedules; when present they replace the constant value of the same quantity.
struct ScheduleConfig {
    std::optional<Schedule> temperature; // schedule.temperature
    std::optional<Schedule> step;        // schedule.step
    std::optional<Schedule> m2;          // schedule.m2
    std::optional<Schedule> h;           // schedule.h: magnitude along the direction of action.h
};

// The SGD view of the dynamics ([training]); when enabled it has set dynamics.step,
// dynamics.temperature and the step/temperature schedules.
struct TrainingConfig {
    bool enabled = false;
    double learning_rate = 0.0;  // eta (the schedule's first value with lr_schedule)
    std::int64_t batch_size = 1; // B
    double grad_variance = 1.0;  // sigma^2
    std::optional<Schedule> lr_schedule;
    // training.noise: shared draws one variate for all sites along the mean-field axes (the
    // gradient noise of identical neurons is identical, as in real SGD).
    TrainingNoise noise = TrainingNoise::independent;
    double dropout = 0.0; // training.dropout: probability that a neuron's step is masked out

    // T / eta = sigma^2 / (2 B).
    double temperature_per_rate() const { return grad_variance / (2.0 * batch_size); }
};

struct MeasureConfig {
    std::int64_t every = 10;     // measure.every: observables every this many steps
    std::int64_t save_every = 0; // measure.save_every: configurations (0: only the final one)
    int compression = 0;         // measure.compression: gzip level 0..9 for configurations
};

struct CheckpointConfig {
    std::int64_t every =
        0;            // checkpoint.every: steps between checkpoints (0: every 10 % of the run)
    std::string file; // checkpoint.file: default run.output with ".h5" -> ".ckpt.h5"
    bool keep = true; // checkpoint.keep: false deletes the checkpoint once the run completes
};

struct Config {
    RunConfig run;
    NetworkConfig network;
    LatticeConfig lattice;
    FieldConfig field;
    ActionConfig action;
    DynamicsConfig dynamics;
    ScheduleConfig schedule;
    TrainingConfig training;
    MeasureConfig measure;
    CheckpointConfig checkpoint;
    std::string deck_text; // every key with its resolved value, INI syntax
    // section.key -> value text as a re-read of deck_text gives it (the resolved value; the
    // table default of a defaulted key this run does not use): compared key by key on --resume
    // (io/checkpoint.cpp) and across the files of a scan (analysis/analyze_scan.cpp).
    std::map<std::string, std::string> key_values;
};

} // namespace ssbsim
