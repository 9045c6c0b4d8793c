#include "ssbsim/physics/action.hpp"

#include "ssbsim/core/errors.hpp"

#include <cmath>
#include <limits>

namespace ssbsim {

double hopping_field_scale(double kappa) {
    return std::sqrt(2.0 * kappa);
}

ActionParams mass_from_hopping(const HoppingParams& k, int dims) {
    ActionParams m;
    m.m2 = (1.0 - 2.0 * k.lambda) / k.kappa - 2.0 * dims;
    m.lambda = k.lambda / (k.kappa * k.kappa);
    for (int mu = 0; mu < dims; ++mu)
        m.coupling[mu] = 1.0;
    const double scale = hopping_field_scale(k.kappa); // −h_K·φ_K = −(h_K/scale)·φ_M
    for (double hk : k.h)
        m.h.push_back(hk / scale);
    return m;
}

bool ActionParams::has_mean_axis(int dims) const {
    for (int mu = 0; mu < dims; ++mu)
        if (kind[mu] == CouplingKind::mean) return true;
    return false;
}

HoppingParams hopping_from_mass(const ActionParams& m, int dims) {
    const double J = m.coupling[0];
    for (int mu = 0; mu < dims; ++mu)
        if (m.coupling[mu] != J || J <= 0.0 || m.kind[mu] != CouplingKind::nearest)
            throw InputError("action.coupling: the hopping form needs one nearest-neighbour "
                             "coupling J > 0 on all axes");
    // Rescale φ → φ/√J to J = 1: m² → m²/J, λ → λ/J², h → h/√J.
    const double m2 = m.m2 / J, lambda = m.lambda / (J * J);
    const double a = 2.0 * dims + m2;
    HoppingParams k;
    k.kappa = lambda > 0.0 ? (-a + std::sqrt(a * a + 8.0 * lambda)) / (4.0 * lambda) : 1.0 / a;
    k.lambda = lambda * k.kappa * k.kappa;
    const double scale = hopping_field_scale(k.kappa) / std::sqrt(J);
    for (double hm : m.h)
        k.h.push_back(hm * scale);
    return k;
}

ActionParams resolve_action(const ActionConfig& c, int dims, int components) {
    auto broadcast = [](std::vector<double> v, std::size_t n, double fill) {
        if (v.empty()) v.push_back(fill);
        if (v.size() == 1) v.resize(n, v.front());
        return v;
    };
    const std::vector<double> h = broadcast(c.h, static_cast<std::size_t>(components), 0.0);
    if (c.form == ActionForm::hopping) return mass_from_hopping({c.kappa, c.lambda, h}, dims);
    ActionParams p;
    p.m2 = c.m2;
    p.lambda = c.lambda;
    p.h = h;
    const std::vector<double> J = broadcast(c.coupling, static_cast<std::size_t>(dims), 1.0);
    for (int mu = 0; mu < dims; ++mu)
        p.coupling[mu] = J[mu];
    for (std::size_t mu = 0; mu < c.coupling_kind.size() && mu < max_dims; ++mu)
        p.kind[mu] = c.coupling_kind[mu];
    return p;
}

double linear_stability_bound(const ActionParams& p, int dims) {
    double top = p.m2;
    for (int mu = 0; mu < dims; ++mu)
        top += (p.kind[mu] == CouplingKind::mean ? 2.0 : 4.0) * p.coupling[mu];
    return top > 0.0 ? 2.0 / top : std::numeric_limits<double>::infinity();
}

} // namespace ssbsim
