// make_integrator and is_flow: both read the method registry (methods.hpp).
#include "dynamics_impl.hpp"
#include "ssbsim/dynamics/methods.hpp"

namespace ssbsim {

bool is_flow(Method method) {
    return method_spec(method).flow;
}

std::unique_ptr<Integrator> make_integrator(const DynamicsConfig& d, const Lattice& lattice,
                                            int components) {
    return method_spec(d.method).make(d, lattice, components);
}

} // namespace ssbsim
