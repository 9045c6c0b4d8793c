#include "dynamics_impl.hpp"

namespace ssbsim {

bool is_flow(Method method) {
    return method == Method::flow || method == Method::flow_rk3 || method == Method::flow_adaptive;
}

std::unique_ptr<Integrator> make_integrator(const DynamicsConfig& d, const Lattice& lattice,
                                            int components) {
    switch (d.method) {
    case Method::langevin:
        return detail::make_euler(lattice, components, true);
    case Method::flow:
        return detail::make_euler(lattice, components, false);
    case Method::langevin2:
        return detail::make_langevin2(lattice, components);
    case Method::flow_rk3:
        return detail::make_flow_rk3(lattice, components);
    case Method::flow_adaptive:
        return detail::make_flow_adaptive(lattice, components, d.tolerance);
    case Method::momentum:
        return detail::make_baoab(lattice, components, d.friction);
    }
    return nullptr;
}

} // namespace ssbsim
