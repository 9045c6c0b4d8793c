// Constructors of the concrete integrators, one per file in src/dynamics; the method registry
// (methods.cpp) holds one per dynamics.method and make_integrator calls it.
#pragma once

#include "ssbsim/dynamics/dynamics.hpp"
#include "ssbsim/physics/domain.hpp"

namespace ssbsim::detail {

std::unique_ptr<Integrator> make_euler(const Domain& domain, int components, bool noisy);
std::unique_ptr<Integrator> make_langevin2(const Domain& domain, int components);
std::unique_ptr<Integrator> make_flow_rk3(const Domain& domain, int components);
std::unique_ptr<Integrator> make_baoab(const Domain& domain, int components, double friction);
std::unique_ptr<Integrator> make_flow_adaptive(const Domain& domain, int components,
                                               double tolerance);
// hmc and mala: split over MPI ranks too (their Metropolis test sums over the ranks).
std::unique_ptr<Integrator> make_hmc(const Domain& domain, int components,
                                     const DynamicsConfig& dynamics);
std::unique_ptr<Integrator> make_mala(const Domain& domain, int components);
// Fourier acceleration (physics/fourier.hpp): the whole lattice in one process only (the
// transform of axis 0 would need a transpose between ranks); split, they throw InputError.
std::unique_ptr<Integrator> make_fa_hmc(const Domain& domain, int components,
                                        const DynamicsConfig& dynamics);
std::unique_ptr<Integrator> make_fa_langevin(const Domain& domain, int components,
                                             double fourier_mass);
void refuse_split(const Domain& domain, const char* method);

} // namespace ssbsim::detail
