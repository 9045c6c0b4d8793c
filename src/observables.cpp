#include "ssbsim/observables.hpp"

#include "ssbsim/force.hpp"
#include "ssbsim/parallel.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ssbsim {

namespace {

constexpr std::array<ObservableSpec, 11> specs{{
    {"magnetization", Width::components, "lattice units",
     "lattice mean of the field, M_a = V^-1 sum_x phi_x^a"},
    {"phi2", Width::scalar, "lattice units", "mean squared field, V^-1 sum_x |phi_x|^2"},
    {"phi4", Width::scalar, "lattice units", "mean quartic field, V^-1 sum_x |phi_x|^4"},
    {"action", Width::scalar, "lattice units", "action density S/V = kinetic + potential"},
    {"kinetic", Width::scalar, "lattice units",
     "kinetic (gradient) part of S/V, V^-1 sum_x sum_mu J_mu/2 |phi_{x+mu} - phi_x|^2"},
    {"potential", Width::scalar, "lattice units",
     "potential part of S/V, V^-1 sum_x [m2/2 |phi|^2 + lambda/4 |phi|^4 - h.phi]"},
    {"grad_norm", Width::scalar, "lattice units",
     "RMS gradient of the action, sqrt(V^-1 sum_x |dS/dphi_x|^2)"},
    {"temperature", Width::scalar, "lattice units",
     "noise temperature T in force at this step (schedule value; 0 for gradient flow)"},
    {"step_size", Width::scalar, "lattice units",
     "step size epsilon in force at this step (learning rate; flow_adaptive: next step)"},
    {"m2", Width::scalar, "lattice units", "mass parameter m2 in force at this step (mass form)"},
    {"h", Width::components, "lattice units", "external field h in force at this step (mass form)"},
}};

// Field sums gathered in one pass: [Σφ_a (N), Σ|φ|², Σ kinetic, Σ potential, Σ|F|², Σ|φ|⁴].
template <int Slow>
std::vector<double> field_sums(const Lattice& lattice, const Field& phi, const ActionParams& p) {
    const int n = phi.components();
    const std::int64_t len = lattice.row_length();
    const bool wrap = lattice.periodic(lattice.dims() - 1);
    const double J_row = p.coupling[Slow];
    return sum_over_rows_with(
        lattice.rows(), len, n + 5, [&] { return TileScratch(n); },
        [&](std::int64_t row, double* out, TileScratch& s) {
            const RowGeometry g(lattice, row);
            for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                force_tile<Slow>(lattice, p, phi, g, i0, i1, s);
                const std::int64_t m = i1 - i0;
                const double* r2 = s.phi2.data();
                double kin = 0.0, pot = lane_sum(m, [&](std::int64_t i) {
                    return (0.5 * p.m2 + 0.25 * p.lambda * r2[i]) * r2[i];
                });
                for (int a = 0; a < n; ++a) {
                    const double* plane = phi.component(a);
                    const double* x = plane + g.base + i0;
                    const double* f = s.force_of(a);
                    const double sum_x = lane_sum(m, [&](std::int64_t i) { return x[i]; });
                    out[a] += sum_x;
                    pot -= p.h[a] * sum_x;
                    out[n + 3] += lane_sum(m, [&](std::int64_t i) { return f[i] * f[i]; });
                    for (int mu = 0; mu < Slow; ++mu) {
                        const double* y = plane + g.up[mu] + i0;
                        kin += 0.5 * p.coupling[mu] * lane_sum(m, [&](std::int64_t i) {
                                   return (y[i] - x[i]) * (y[i] - x[i]);
                               });
                    }
                    // Links along the row: forward neighbour inside the tile, then the link that
                    // leaves the tile (to the next tile, across the periodic wrap, or none).
                    const std::int64_t inner = i1 == len ? m - 1 : m;
                    kin += 0.5 * J_row * lane_sum(inner, [&](std::int64_t i) {
                               return (x[i + 1] - x[i]) * (x[i + 1] - x[i]);
                           });
                    if (i1 == len && wrap) {
                        const double d = plane[g.base] - x[m - 1];
                        kin += 0.5 * J_row * d * d;
                    }
                }
                out[n] += lane_sum(m, [&](std::int64_t i) { return r2[i]; });
                out[n + 4] += lane_sum(m, [&](std::int64_t i) { return r2[i] * r2[i]; });
                out[n + 1] += kin;
                out[n + 2] += pot;
            });
        });
}

} // namespace

std::span<const ObservableSpec> observable_specs() { return specs; }

int width_of(const ObservableSpec& spec, int components) {
    return spec.width == Width::components ? components : 1;
}

int record_offset(const char* name, int components) {
    int offset = 0;
    for (const ObservableSpec& s : specs) {
        if (std::strcmp(s.name, name) == 0) return offset;
        offset += width_of(s, components);
    }
    throw std::out_of_range(std::string("no observable named ") + name);
}

int record_size(int components) {
    int size = 0;
    for (const ObservableSpec& s : specs) size += width_of(s, components);
    return size;
}

std::vector<double> measure(const Lattice& lattice, const Field& phi, const StepParams& params) {
    const int n = phi.components();
    const ActionParams& p = params.action;
    const std::vector<double> sums = with_slow_axes(lattice.dims(), [&](auto slow) {
        return field_sums<decltype(slow)::value>(lattice, phi, p);
    });
    const double v = static_cast<double>(lattice.volume());
    std::vector<double> record;
    record.reserve(static_cast<std::size_t>(record_size(n)));
    for (int a = 0; a < n; ++a) record.push_back(sums[a] / v);
    const double kinetic = sums[n + 1] / v, potential = sums[n + 2] / v;
    record.push_back(sums[n] / v);
    record.push_back(sums[n + 4] / v);
    record.push_back(kinetic + potential);
    record.push_back(kinetic);
    record.push_back(potential);
    record.push_back(std::sqrt(sums[n + 3] / v));
    record.push_back(params.temperature);
    record.push_back(params.eps);
    record.push_back(p.m2);
    for (int a = 0; a < n; ++a) record.push_back(p.h[a]);
    return record;
}

} // namespace ssbsim
