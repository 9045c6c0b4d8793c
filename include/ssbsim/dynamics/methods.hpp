// The dynamics methods: one row per value of `dynamics.method`, the single place that says what
// a method is. The deck (the key's allowed values and description, the keys a flow refuses),
// make_integrator, Simulation (momenta, one step size for all replicas), the runner's stability
// warning and `ssbsim bench` (names, bytes per site, noise draws) all read these rows.
// Tested by tests/test_methods.cpp.
//
// Adding a sampler (e.g. HMC, a cluster update):
//   1. a value in enum Method (deck/config.hpp), at the end;
//   2. one file src/dynamics/<name>.cpp: a class deriving from Integrator (dynamics.hpp) and
//      its factory, declared in src/dynamics/dynamics_impl.hpp;
//   3. one row in src/dynamics/methods.cpp, in the order of enum Method (a test checks it).
// The deck then accepts the name, `ssbsim keys` and docs/keys.md list it (regenerate
// docs/keys.md), bench measures it. A sampler with its own deck keys adds them to the key table
// (src/deck/keys.cpp) and reads them in read_dynamics (src/deck/reader.cpp) into
// DynamicsConfig, which its factory receives.
#pragma once

#include "ssbsim/deck/config.hpp"

#include <memory>
#include <span>
#include <string_view>

namespace ssbsim {

// Declared only: the deck reads the rows without seeing the physics (dynamics.hpp).
class Integrator;
class Domain;

// Builds the integrator of a run (one per replica when replicas run side by side) on this
// rank's part of the lattice (physics/domain.hpp; a Lattice converts to the whole of it).
using IntegratorFactory = std::unique_ptr<Integrator> (*)(const DynamicsConfig& dynamics,
                                                          const Domain& domain, int components);

struct MethodSpec {
    Method method;            // its value of enum Method
    std::string_view name;    // the deck's spelling (dynamics.method = name)
    std::string_view summary; // a few words for the key's description: "langevin (summary)"
    // Gradient flow: no noise, so dynamics.temperature, schedule.temperature and the SGD noise
    // keys of [training] are refused.
    bool flow = false;
    // State it needs besides the fields: a conjugate momentum per replica (started at rest,
    // checkpointed as /state/momentum).
    bool momentum = false;
    // Chooses its own step size: schedule.step and training.lr_schedule are refused, and all
    // replicas take the step chosen on the first, so they must start identical
    // (run.replica_init = independent is refused).
    bool adaptive_step = false;
    // An exact sampler of e^{-S/T} (Metropolis test): it needs T > 0 at every step, which the
    // deck checks for constant, scheduled and [training] temperatures alike.
    bool exact = false;
    // Fourier-accelerated (physics/fourier.hpp): needs nearest-neighbour axes (a mean-field axis
    // is refused) and, for now, the whole lattice in one process. Its update is checked by
    // test_fourier, not by the registry-wide scheme tests of test_integrators.
    bool fourier = false;
    // Stability: the runner warns when the step reaches stability_factor times the linear bound
    // 2/(4 sum J + m^2) of explicit Euler (physics/action.hpp); 0: no warning (adaptive).
    double stability_factor = 1.0;
    // Fields its integrator keeps besides φ and p (and momentum's cached force), the Fourier
    // methods' four per-site mode weights counted as four one-component fields: the
    // preflight's memory estimate (app/preflight.cpp). A large lattice has one integrator for
    // all replicas.
    int scratch_fields = 1;
    // For `ssbsim bench`: compulsory memory traffic per site-update and component in bytes
    // (doubles read and written once each, write-allocate not counted, as STREAM does), and
    // Gaussian fills per site-update and component (the noise-bound fraction).
    double bytes_per_site = 0.0;
    double noise_draws = 0.0;
    IntegratorFactory make = nullptr;
};

// Every method, in the order of enum Method.
std::span<const MethodSpec> method_table();
const MethodSpec& method_spec(Method method);
const MethodSpec* find_method(std::string_view name); // nullptr if unknown
// The names in table order (the deck's allowed values of dynamics.method).
std::span<const std::string_view> method_names();
// "langevin (Euler-Maruyama), ..., momentum (...)." (the description of dynamics.method).
std::string_view methods_description();

} // namespace ssbsim
