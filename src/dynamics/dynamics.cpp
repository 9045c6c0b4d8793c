// make_integrator and is_flow: both read the method registry (methods.hpp).
#include "dynamics_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/dynamics/methods.hpp"

#include <string>

namespace ssbsim {

bool ForceCache::valid_for(const ActionParams& p) const {
    return valid && force && params.m2 == p.m2 && params.lambda == p.lambda &&
           params.coupling == p.coupling && params.kind == p.kind && params.h == p.h &&
           params.source == p.source && params.means == p.means;
}

bool NoiseModel::shares() const {
    for (bool s : shared)
        if (s) return true;
    return false;
}

NoiseModel noise_model(const Config& config) {
    NoiseModel m;
    if (config.training.noise == TrainingNoise::shared)
        for (std::size_t mu = 0; mu < config.action.coupling_kind.size() && mu < max_dims; ++mu)
            m.shared[mu] = config.action.coupling_kind[mu] == CouplingKind::mean;
    m.dropout = config.training.dropout;
    m.neuron_is_row = config.network.enabled && config.network.fan_in > 0;
    return m;
}

namespace detail {

void refuse_split(const Domain& domain, const char* method) {
    if (domain.split())
        throw InputError(std::string("dynamics.method = ") + method +
                         " is not yet available split over " +
                         std::to_string(domain.comm().size()) +
                         " MPI ranks (its Metropolis test needs the action summed over the ranks); "
                         "run it on one rank");
}

} // namespace detail

bool is_flow(Method method) {
    return method_spec(method).flow;
}

std::unique_ptr<Integrator> make_integrator(const DynamicsConfig& d, const Domain& domain,
                                            int components) {
    return method_spec(d.method).make(d, domain, components);
}

} // namespace ssbsim
