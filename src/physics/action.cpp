#include "ssbsim/physics/action.hpp"

#include "ssbsim/core/comm.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/force.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

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

namespace {

// The action density of every site of one row into s[0, len): kinetic and linear terms per
// component, then the potential of |φ|² (accumulated in r2).
void row_action(const Lattice& lattice, const ActionParams& p, const Field& phi,
                const RowGeometry& g, double* __restrict s, double* __restrict r2) {
    const int slow = lattice.dims() - 1;
    const std::int64_t len = lattice.row_length();
    std::fill(s, s + len, 0.0);
    std::fill(r2, r2 + len, 0.0);
    for (int a = 0; a < phi.components(); ++a) {
        const double* plane = phi.component(a);
        const double* __restrict x = plane + g.base;
        for (int mu = 0; mu < slow; ++mu) { // open boundary: up is the row itself, adding 0
            const bool mean = p.kind[mu] == CouplingKind::mean;
            const double* __restrict y = mean ? p.means->row(mu, a, g.row) : plane + g.up[mu];
            const double w = (mean ? 1.0 : 0.5) * p.coupling[mu];
            for (std::int64_t i = 0; i < len; ++i)
                s[i] += w * (y[i] - x[i]) * (y[i] - x[i]);
        }
        const double J = p.coupling[slow];
        if (p.kind[slow] == CouplingKind::mean) {
            const double m = *p.means->row(slow, a, g.row);
            for (std::int64_t i = 0; i < len; ++i)
                s[i] += J * (x[i] - m) * (x[i] - m);
        } else {
            for (std::int64_t i = 0; i + 1 < len; ++i)
                s[i] += 0.5 * J * (x[i + 1] - x[i]) * (x[i + 1] - x[i]);
            if (lattice.periodic(slow))
                s[len - 1] += 0.5 * J * (x[0] - x[len - 1]) * (x[0] - x[len - 1]);
        }
        const double* source = p.source ? p.source->component(a) + g.base : nullptr;
        for (std::int64_t i = 0; i < len; ++i) {
            s[i] -= (p.h[static_cast<std::size_t>(a)] + (source ? source[i] : 0.0)) * x[i];
            r2[i] += x[i] * x[i];
        }
    }
    for (std::int64_t i = 0; i < len; ++i)
        s[i] += (0.5 * p.m2 + 0.25 * p.lambda * r2[i]) * r2[i];
}

struct ActionScratch {
    std::vector<double> s, r2;
};

ActionScratch action_scratch(std::int64_t len) {
    return {std::vector<double>(static_cast<std::size_t>(len)),
            std::vector<double>(static_cast<std::size_t>(len))};
}

// The action of the local rows [first, last) of a field laid out as `lattice`, added to out[0].
void rows_action(const Lattice& lattice, const ForceParams& fp, const Field& phi,
                 std::int64_t first, std::int64_t last, std::int64_t global_row_offset, double* out,
                 ActionScratch& w) {
    const std::int64_t len = lattice.row_length();
    for (std::int64_t row = first; row < last; ++row) {
        row_action(lattice, fp.params, phi, RowGeometry(lattice, row, global_row_offset),
                   w.s.data(), w.r2.data());
        out[0] += lane_sum(len, [&](std::int64_t i) { return w.s[i]; });
    }
}

} // namespace

double action_sum(const Lattice& lattice, const ActionParams& params, const Field& phi) {
    const ForceParams fp(lattice, params, phi); // the fibre means of the mean-field axes
    const std::int64_t len = lattice.row_length();
    return sum_over_row_groups_with(
               lattice.rows(), len, 1, [&] { return action_scratch(len); },
               [&](std::int64_t first, std::int64_t last, double* out, ActionScratch& w) {
                   rows_action(lattice, fp, phi, first, last, 0, out, w);
               })
        .front();
}

double action_sum(const Domain& domain, const ActionParams& params, const Field& phi) {
    if (!domain.split()) return action_sum(domain.whole(), params, phi);
    domain.exchange_halos(phi); // the links of the edge slices
    const Lattice& lattice = domain.local();
    const ForceParams fp(domain, params, phi); // the fibre means, across the ranks
    const std::int64_t len = lattice.row_length();
    const std::int64_t offset = domain.own().global_row_offset;
    return sum_over_row_groups_with(
               domain.comm(), domain.slab(), len, 1, [&] { return action_scratch(len); },
               [&](std::int64_t first, std::int64_t last, double* out, ActionScratch& w) {
                   rows_action(lattice, fp, phi, first, last, offset, out, w);
               })
        .front();
}

double linear_stability_bound(const ActionParams& p, int dims) {
    double top = p.m2;
    for (int mu = 0; mu < dims; ++mu)
        top += (p.kind[mu] == CouplingKind::mean ? 2.0 : 4.0) * p.coupling[mu];
    return top > 0.0 ? 2.0 / top : std::numeric_limits<double>::infinity();
}

} // namespace ssbsim
