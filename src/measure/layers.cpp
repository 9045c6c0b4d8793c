#include "ssbsim/measure/layers.hpp"

#include "dynamics/sweep.hpp"
#include "ssbsim/core/comm.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/force.hpp"

#include <algorithm>
#include <cmath>

namespace ssbsim {

namespace {

struct LayerShape {
    std::int64_t sites;   // per layer
    std::int64_t neurons; // along axis 1
    std::int64_t inputs;  // sites per neuron (product of the axes after the neuron axis)
};

LayerShape shape_of(const Lattice& lattice) {
    const std::int64_t sites = lattice.volume() / lattice.extent(0);
    const std::int64_t neurons = lattice.dims() > 1 ? lattice.extent(1) : sites;
    return {sites, neurons, sites / neurons};
}

// Mean of x over the layer's sites, and its variance (shifted by x[0]: exact for constants).
struct Moments {
    double mean, variance;
};

Moments moments(const double* x, std::int64_t n) {
    double s = 0.0, s2 = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double d = x[i] - x[0];
        s += d;
        s2 += d * d;
    }
    const double m = s / static_cast<double>(n);
    return {x[0] + m, s2 / static_cast<double>(n) - m * m};
}

// Σ_k Σ_i |x_{i,k} − x_{0,k}|² − n Σ_k |mean_i (x_{i,k} − x_{0,k})|², i over neurons.
double neuron_scatter(const double* x, const LayerShape& shape) {
    double total = 0.0;
    for (std::int64_t k = 0; k < shape.inputs; ++k) {
        double s = 0.0, s2 = 0.0;
        for (std::int64_t i = 0; i < shape.neurons; ++i) {
            const double d = x[i * shape.inputs + k] - x[k];
            s += d;
            s2 += d * d;
        }
        total += std::max(0.0, s2 - s * s / static_cast<double>(shape.neurons)); // rounding
    }
    return total;
}

// −∂S/∂φ at every own site, through the same kernel the dynamics use.
Field force_field(const Domain& domain, const Field& phi, const ActionParams& params) {
    Field force(domain.local(), phi.components());
    detail::force_sweep(domain, params, phi, std::nullopt,
                        [&](int a, std::int64_t off, const double*) {
                            double* __restrict f = force.component(a) + off;
                            return [f](std::int64_t t, double F, double) { f[t] = F; };
                        });
    return force;
}

} // namespace

LayerObservables layer_observables(const Domain& domain, const Field& phi,
                                   const ActionParams& params) {
    const Field force = force_field(domain, phi, params);
    const LayerShape shape = shape_of(domain.whole());
    const std::int64_t layers = domain.whole().extent(0);
    const int n = phi.components();
    // A layer is a slice of axis 0, so each lies on one rank: the rank's layers, n + 3 values
    // each (magnetization, |M|, diversity, gradient variance), gathered in layer order.
    const int per_layer = n + 3;
    const std::int64_t own_layers = domain.split() ? domain.slices() : layers; // 1D: sites
    std::vector<double> own;
    own.reserve(static_cast<std::size_t>(own_layers * per_layer));
    for (std::int64_t k = 0; k < own_layers; ++k) { // O(V), once per measurement
        const std::int64_t base = domain.own_base() + k * shape.sites;
        double m2 = 0.0, scatter = 0.0, gvar = 0.0;
        for (int a = 0; a < n; ++a) {
            const double* x = phi.component(a) + base;
            const double m = moments(x, shape.sites).mean;
            own.push_back(m);
            m2 += m * m;
            scatter += neuron_scatter(x, shape);
            gvar += moments(force.component(a) + base, shape.sites).variance;
        }
        own.push_back(std::sqrt(m2));
        own.push_back(scatter / static_cast<double>(shape.sites));
        own.push_back(gvar);
    }
    std::vector<double> all = domain.comm().gather(own);
    all.resize(static_cast<std::size_t>(layers * per_layer));
    domain.comm().broadcast(all);
    LayerObservables out;
    for (std::int64_t l = 0; l < layers; ++l) {
        const double* v = all.data() + l * per_layer;
        out.magnetization.insert(out.magnetization.end(), v, v + n);
        out.abs_magnetization.push_back(v[n]);
        out.diversity.push_back(v[n + 1]);
        out.grad_variance.push_back(v[n + 2]);
    }
    return out;
}

} // namespace ssbsim
