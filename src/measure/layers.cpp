#include "ssbsim/measure/layers.hpp"

#include "dynamics/sweep.hpp"
#include "ssbsim/core/parallel.hpp"
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

// −∂S/∂φ at every site, through the same kernel the dynamics use.
Field force_field(const Lattice& lattice, const Field& phi, const ActionParams& params) {
    Field force(lattice, phi.components());
    detail::force_sweep(lattice, params, phi, std::nullopt,
                        [&](int a, std::int64_t off, const double*) {
                            double* __restrict f = force.component(a) + off;
                            return [f](std::int64_t t, double F, double) { f[t] = F; };
                        });
    return force;
}

} // namespace

LayerObservables layer_observables(const Lattice& lattice, const Field& phi,
                                   const ActionParams& params) {
    const Field force = force_field(lattice, phi, params);
    const LayerShape shape = shape_of(lattice);
    const std::int64_t layers = lattice.extent(0);
    const int n = phi.components();
    LayerObservables out;
    out.magnetization.assign(static_cast<std::size_t>(layers * n), 0.0);
    out.abs_magnetization.assign(static_cast<std::size_t>(layers), 0.0);
    out.diversity.assign(static_cast<std::size_t>(layers), 0.0);
    out.grad_variance.assign(static_cast<std::size_t>(layers), 0.0);
    for (std::int64_t l = 0; l < layers; ++l) { // O(V), once per measurement

        double m2 = 0.0, scatter = 0.0, gvar = 0.0;
        for (int a = 0; a < n; ++a) {
            const double* x = phi.component(a) + l * shape.sites;
            const double m = moments(x, shape.sites).mean;
            out.magnetization[static_cast<std::size_t>(l * n + a)] = m;
            m2 += m * m;
            scatter += neuron_scatter(x, shape);
            gvar += moments(force.component(a) + l * shape.sites, shape.sites).variance;
        }
        out.abs_magnetization[static_cast<std::size_t>(l)] = std::sqrt(m2);
        out.diversity[static_cast<std::size_t>(l)] = scatter / static_cast<double>(shape.sites);
        out.grad_variance[static_cast<std::size_t>(l)] = gvar;
    }
    return out;
}

} // namespace ssbsim
