// Constructors of the concrete integrators, one per file in src/dynamics; the method registry
// (methods.cpp) holds one per dynamics.method and make_integrator calls it.
#pragma once

#include "ssbsim/dynamics/dynamics.hpp"

namespace ssbsim::detail {

std::unique_ptr<Integrator> make_euler(const Lattice& lattice, int components, bool noisy);
std::unique_ptr<Integrator> make_langevin2(const Lattice& lattice, int components);
std::unique_ptr<Integrator> make_flow_rk3(const Lattice& lattice, int components);
std::unique_ptr<Integrator> make_baoab(const Lattice& lattice, int components, double friction);
std::unique_ptr<Integrator> make_flow_adaptive(const Lattice& lattice, int components,
                                               double tolerance);
std::unique_ptr<Integrator> make_hmc(const Lattice& lattice, int components,
                                     const DynamicsConfig& dynamics);
std::unique_ptr<Integrator> make_mala(const Lattice& lattice, int components);

} // namespace ssbsim::detail
