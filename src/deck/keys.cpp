// The key table (include/ssbsim/deck/keys.hpp): one row per deck key, and the text of what a
// key allows. Cross-key rules live in the reader (reader.cpp); the descriptions state them so
// that `ssbsim keys` and docs/keys.md document them too.
#include "deck_impl.hpp"
#include "ssbsim/dynamics/methods.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace ssbsim {
using namespace deck_impl;

namespace {

using enum KeyType;
using enum Presence;

std::string bound_text(const KeySpec& k) {
    const bool has_min = std::isfinite(k.min);
    const bool has_max = std::isfinite(k.max);
    if (has_min && has_max) return " in [" + format_real(k.min) + ", " + format_real(k.max) + "]";
    if (has_min) return (k.min_exclusive ? " > " : " >= ") + format_real(k.min);
    if (has_max) return " <= " + format_real(k.max);
    return "";
}

std::string count_text(ListCount count) {
    switch (count) {
    case ListCount::up_to_4:
        return "1 to 4 ";
    case ListCount::per_axis:
        return "1 (for every axis) or d (one per axis) ";
    case ListCount::per_component:
        return "1 (for every component) or N (one per component) ";
    default:
        return "";
    }
}

} // namespace

// Built on first use: dynamics.method takes its values and description from the method
// registry, another translation unit.
std::span<const KeySpec> key_table() {
    static const KeySpec table[] = {
        {.name = "run.seed",
         .type = integer,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .max = 4294967295.0,
         .description = "Seed of the counter-based random numbers.",
         .flags = not_ensemble},
        {.name = "run.output",
         .type = string,
         .presence = optional,
         .description = "HDF5 output file. Default: the deck's file stem + .h5 "
                        "(inputs/free_field.ini -> free_field.h5).",
         .flags = resume_may_change | not_ensemble},
        {.name = "run.overwrite",
         .type = boolean,
         .presence = defaulted,
         .default_value = "false",
         .description = "Replace an existing output file instead of refusing to start.",
         .flags = resume_may_change | not_ensemble},
        {.name = "run.replicas",
         .type = integer,
         .presence = defaulted,
         .default_value = "1",
         .min = 1,
         .max = 64,
         .description = "Number R of replicas: fields evolved side by side with independent noise; "
                        "their overlap measures the symmetry breaking (docs/output.md).",
         .flags = not_ensemble},
        {.name = "run.replica_init",
         .type = choice,
         .presence = defaulted,
         .default_value = "same",
         .choices = replica_init_names,
         .description =
             "same: every replica starts from the same field; independent: a hot start "
             "draws each replica's field with its own key (not with flow_adaptive, whose "
             "replicas share one step size).",
         .flags = not_ensemble},
        {.name = "run.replica_noise",
         .type = choice,
         .presence = defaulted,
         .default_value = "independent",
         .choices = replica_noise_names,
         .description =
             "independent: replica r uses the noise key (seed, r); shared: all use (seed, 0) "
             "(a check: identical replicas stay identical).",
         .flags = not_ensemble},

        {.name = "lattice.dims",
         .type = integers,
         .presence = required,
         .min = 2,
         .count = ListCount::up_to_4,
         .description = "Extents L_1 ... L_d of the lattice; at most 2^40 sites in total.",
         .flags = not_ensemble},
        {.name = "lattice.boundary",
         .type = choices,
         .presence = defaulted,
         .default_value = "periodic",
         .choices = boundary_names,
         .count = ListCount::per_axis,
         .description = "Boundary condition per axis; one value applies to every axis."},
        {.name = "lattice.axis_names",
         .type = string,
         .presence = optional,
         .description = "Names of the axes, separated by spaces (HDF5 dimension labels); default "
                        "x1 ... xd, or layer neuron [input] with [network]."},

        {.name = "field.components",
         .type = integer,
         .presence = defaulted,
         .default_value = "1",
         .min = 1,
         .max = 64,
         .description = "Number N of field components (O(N) model)."},
        {.name = "field.init",
         .type = choice,
         .presence = defaulted,
         .default_value = "cold",
         .choices = init_names,
         .description = "Start: cold = field.init_value everywhere; hot = Gaussian of width "
                        "field.init_sigma around it; file = the last configuration of "
                        "field.init_file."},
        {.name = "field.init_value",
         .type = reals,
         .presence = defaulted,
         .default_value = "0",
         .count = ListCount::per_component,
         .description = "Initial value per component (cold start, centre of the hot start)."},
        {.name = "field.init_sigma",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description = "Width of the Gaussian hot start."},
        {.name = "field.init_file",
         .type = string,
         .presence = optional,
         .description = "Output file of an earlier run to start from; required with init = file, "
                        "an error with any other init.",
         .flags = not_ensemble},

        {.name = "action.form",
         .type = choice,
         .presence = defaulted,
         .default_value = "mass",
         .choices = form_names,
         .description = "mass: m2, lambda, coupling; hopping: kappa, lambda (converted exactly to "
                        "the mass form; needs periodic boundaries)."},
        {.name = "action.m2",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .description = "Mass term m^2 (mass form only; derived from kappa and lambda otherwise)."},
        {.name = "action.lambda",
         .type = real,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .range_reason = "lambda < 0 makes the action unbounded below",
         .description = "Quartic coupling (lambda_K in the hopping form)."},
        {.name = "action.coupling",
         .type = reals,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .count = ListCount::per_axis,
         .description = "Gradient coupling J per axis (mass form only)."},
        {.name = "action.coupling_kind",
         .type = choices,
         .presence = defaulted,
         .default_value = "nearest",
         .choices = kind_names,
         .count = ListCount::per_axis,
         .description =
             "Coupling along each axis: nearest = J/2 sum |phi_{x+mu} - phi_x|^2 (lattice "
             "Laplacian); mean = J sum_i |phi_i - mean|^2 over each line along the axis "
             "(all-to-all, permutation symmetric). Mass form only."},
        {.name = "action.h",
         .type = reals,
         .presence = defaulted,
         .default_value = "0",
         .count = ListCount::per_component,
         .description = "External field h per component (with h_source = random: the mean)."},
        {.name = "action.h_source",
         .type = choice,
         .presence = defaulted,
         .default_value = "constant",
         .choices = source_names,
         .description =
             "constant: h everywhere; random: quenched h_x = h + h_sigma * Gaussian "
             "(key action.h_seed); file: h_x from dataset action.h_dataset of action.h_file "
             "(shape [L_1..L_d] or [L_1..L_d, N]), e.g. exported weights or gradients."},
        {.name = "action.h_sigma",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description = "Width of the quenched random source (h_source = random)."},
        {.name = "action.h_seed",
         .type = integer,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .max = 4294967295.0,
         .description = "Seed of the quenched random source, independent of run.seed."},
        {.name = "action.h_file",
         .type = string,
         .presence = optional,
         .description = "HDF5 file holding the source (h_source = file)."},
        {.name = "action.h_dataset",
         .type = string,
         .presence = defaulted,
         .default_value = "h",
         .description = "Dataset path of the source inside action.h_file."},
        {.name = "action.kappa",
         .type = real,
         .presence = optional,
         .min = 0,
         .min_exclusive = true,
         .description = "Hopping parameter; required with form = hopping, an error with form = "
                        "mass."},

        {.name = "dynamics.method",
         .type = choice,
         .presence = defaulted,
         .default_value = "langevin",
         .choices = method_names(), // the method registry (dynamics/methods.hpp)
         .description = methods_description()},
        {.name = "dynamics.step",
         .type = real,
         .presence = defaulted,
         .default_value = "0.01",
         .min = 0,
         .min_exclusive = true,
         .description = "Step size epsilon (the initial one for flow_adaptive)."},
        {.name = "dynamics.temperature",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description = "Temperature T of the noise; an error with the flow methods."},
        {.name = "dynamics.steps",
         .type = integer,
         .presence = defaulted,
         .default_value = "1000",
         .min = 0,
         .description = "Number of steps.",
         .flags = resume_may_change | not_ensemble},
        {.name = "dynamics.tolerance",
         .type = real,
         .presence = defaulted,
         .default_value = "1e-6",
         .min = 0,
         .min_exclusive = true,
         .description = "Local error target of flow_adaptive; an error with the other methods."},
        {.name = "dynamics.friction",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .min_exclusive = true,
         .description = "Friction gamma of method = momentum (underdamped Langevin by BAOAB); the "
                        "heavy-ball momentum is beta = exp(-gamma epsilon)."},
        {.name = "dynamics.hmc_steps",
         .type = integer,
         .presence = defaulted,
         .default_value = "10",
         .min = 1,
         .max = 1e6,
         .description = "method = hmc, fa_hmc: molecular-dynamics steps per trajectory (trajectory "
                        "length dynamics.step x dynamics.hmc_steps); one run step is one "
                        "trajectory."},
        {.name = "dynamics.hmc_integrator",
         .type = choice,
         .presence = defaulted,
         .default_value = "leapfrog",
         .choices = md_integrator_names,
         .description =
             "method = hmc, fa_hmc: leapfrog (one force per step) or omelyan (2MN of Omelyan, "
             "Mryglod & Folk, lambda = 0.1932: two forces per step, a much smaller "
             "energy error at the same step)."},
        {.name = "dynamics.cluster_every",
         .type = integer,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .max = 1e9,
         .description = "A cluster update (dynamics.cluster_kind) after every k-th step of "
                        "dynamics.method; 0: none. Embedded Ising spins sign(phi.r) (Brower & "
                        "Tamayo; N > 1: Wolff's reflection along a random unit vector r), bond "
                        "probability 1 - exp(-2 J a_x a_y / T). Needs T > 0, nearest-neighbour "
                        "axes and h = 0 (no source, no schedule.h); a cluster flip never changes "
                        "|phi|, so the method supplies the rest."},
        {.name = "dynamics.cluster_kind",
         .type = choice,
         .presence = defaulted,
         .default_value = "wolff",
         .choices = cluster_kind_names,
         .description = "wolff: flip the one cluster of a random site (Wolff, PRL 62, 361); sw: "
                        "flip every cluster with probability 1/2 (Swendsen & Wang, PRL 58, 86), "
                        "labelled by union-find, the same bits for any thread count."},
        {.name = "dynamics.hmc_jitter",
         .type = real,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .max = 0.9,
         .description =
             "method = hmc, fa_hmc: each trajectory's step is dynamics.step x (1 + j (2u - 1)), "
             "u uniform from the run's noise (exact for any j). A fixed trajectory "
             "length can be resonant with a mode of the field (it then returns close "
             "to where it started and that mode is never sampled); j = 0.1-0.3 "
             "breaks the resonance (Mackenzie, PLB 226, 369 (1989))."},
        {.name = "dynamics.fourier_mass",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .min_exclusive = true,
         .description = "method = fa_hmc, fa_langevin: mu of the Fourier mass M_k = (p^2(k) + "
                        "mu^2) / (p^2_max + mu^2) of mode k (p^2: eigenvalue of the lattice "
                        "Laplacian, sum_mu J_mu 4 sin^2(pi k_mu / L_mu)); fa_langevin steps mode "
                        "k by epsilon / M_k, fa_hmc gives it the kinetic term |pi_k|^2 / (2 M_k). "
                        "mu^2 near the mass of the slowest mode (m^2 of a free field, about "
                        "1/xi^2 near a critical point) moves all modes at one rate."},
        {.name = "dynamics.field_bound",
         .type = real,
         .presence = defaulted,
         .default_value = "1e6",
         .min = 0,
         .min_exclusive = true,
         .description = "A run whose max |phi| exceeds this counts as diverged (exit status 3); "
                        "checked at every measurement and before every checkpoint."},

        {.name = "schedule.temperature",
         .type = schedule,
         .presence = optional,
         .min = 0,
         .description = "Temperature over the run, replacing dynamics.temperature (not with the "
                        "flow methods)."},
        {.name = "schedule.step",
         .type = schedule,
         .presence = optional,
         .min = 0,
         .min_exclusive = true,
         .description =
             "Step size over the run, replacing dynamics.step (not with flow_adaptive)."},
        {.name = "schedule.m2",
         .type = schedule,
         .presence = optional,
         .description = "m^2 over the run, replacing action.m2 (mass form only)."},
        {.name = "schedule.h",
         .type = schedule,
         .presence = optional,
         .description = "h over the run, replacing action.h."},

        {.name = "training.learning_rate",
         .type = real,
         .presence = optional,
         .min = 0,
         .min_exclusive = true,
         .description =
             "SGD learning rate eta: sets dynamics.step = eta and dynamics.temperature = "
             "eta sigma^2 / (2 B) (README, 'From training to field theory')."},
        {.name = "training.lr_schedule",
         .type = schedule,
         .presence = optional,
         .min = 0,
         .min_exclusive = true,
         .description =
             "Learning-rate schedule (e.g. 'warmup 500 cosine 0.1 0.001'); drives both the "
             "step size and the temperature, instead of training.learning_rate."},
        {.name = "training.batch_size",
         .type = integer,
         .presence = defaulted,
         .default_value = "1",
         .min = 1,
         .description = "Mini-batch size B of the SGD the Langevin dynamics models."},
        {.name = "training.grad_variance",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description = "Per-sample gradient variance sigma^2 per weight (lattice units)."},
        {.name = "training.noise",
         .type = choice,
         .presence = defaulted,
         .default_value = "independent",
         .choices = training_noise_names,
         .description =
             "independent: Langevin noise independent per weight; shared: one variate per step "
             "for all sites along the mean-field axes (every weight of a network layer), as "
             "minibatch noise is for identical neurons (docs/network.md, section 5)."},
        {.name = "training.dropout",
         .type = real,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .max = 1,
         .description =
             "Dropout probability p: per neuron and step a Bernoulli mask (kept with probability "
             "1 - p, own noise stream) multiplies the neuron's force and noise ([network], "
             "methods langevin and flow)."},

        {.name = "network.depth",
         .type = integer,
         .presence = optional,
         .min = 2,
         .description = "Network geometry: number of layers. Builds the lattice layer x neuron "
                        "[x input]: layer nearest-neighbour with open ends, neuron and input "
                        "mean-field; replaces lattice.dims/boundary/axis_names and action.coupling/"
                        "coupling_kind."},
        {.name = "network.width",
         .type = integer,
         .presence = optional,
         .min = 2,
         .description = "Neurons per layer (required with network.depth)."},
        {.name = "network.fan_in",
         .type = integer,
         .presence = optional,
         .min = 2,
         .description = "Weights per neuron (an input axis); absent: one weight per neuron."},
        {.name = "network.layer_coupling",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description =
             "J_layer between adjacent layers; 0 is the layer-decoupling (residual) limit."},
        {.name = "network.neuron_coupling",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description = "Mean-field J among the neurons of a layer."},
        {.name = "network.input_coupling",
         .type = real,
         .presence = defaulted,
         .default_value = "1",
         .min = 0,
         .description = "Mean-field J among the weights of a neuron (with network.fan_in)."},

        {.name = "measure.every",
         .type = integer,
         .presence = defaulted,
         .default_value = "10",
         .min = 1,
         .description = "Measure the observables every this many steps.",
         .flags = resume_may_change | not_ensemble},
        {.name = "measure.save_every",
         .type = integer,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .description = "Save the configuration every this many steps; 0 saves only the final one.",
         .flags = resume_may_change | not_ensemble},
        {.name = "measure.compression",
         .type = integer,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .max = 9,
         .description = "gzip level of saved configurations (0: none).",
         .flags = resume_may_change | not_ensemble},

        {.name = "checkpoint.every",
         .type = integer,
         .presence = defaulted,
         .default_value = "0",
         .min = 0,
         .description = "Write a checkpoint every this many steps; 0: every 10 % of the run.",
         .flags = resume_may_change | not_ensemble},
        {.name = "checkpoint.file",
         .type = string,
         .presence = optional,
         .description = "Checkpoint file. Default: run.output with .h5 replaced by .ckpt.h5.",
         .flags = resume_may_change | not_ensemble},
        {.name = "checkpoint.keep",
         .type = boolean,
         .presence = defaulted,
         .default_value = "true",
         .description =
             "Keep the checkpoint (and its .bak) when the run completes, so that it can be "
             "continued with more steps; false deletes them at the end (a scan of many "
             "short points leaves only its outputs). An interrupted run always keeps them.",
         .flags = resume_may_change | not_ensemble},
    };
    return table;
}

const KeySpec* find_key(std::string_view name) {
    const std::span<const KeySpec> table = key_table();
    const auto it =
        std::find_if(table.begin(), table.end(), [&](const KeySpec& k) { return k.name == name; });
    return it == table.end() ? nullptr : &*it;
}

std::string allowed_text(const KeySpec& k) {
    switch (k.type) {
    case integer:
    case real:
        return std::string(noun(k.type, false)) + bound_text(k);
    case boolean:
        return "true, false, yes, no, 1 or 0";
    case string:
        return "a non-empty string";
    case choice:
        return "one of " + join(k.choices, ", ");
    case integers:
    case reals:
        return count_text(k.count) + std::string(noun(k.type, true)) + bound_text(k) +
               ", separated by spaces or commas";
    case choices:
        return count_text(k.count) + "of " + join(k.choices, ", ");
    case schedule:
        return "a schedule (V, constant, linear, exp, cosine or piecewise) with values" +
               (bound_text(k).empty() ? std::string(" of any sign") : bound_text(k));
    }
    return "";
}

} // namespace ssbsim
