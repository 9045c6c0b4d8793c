#include "ssbsim/observables.hpp"

#include "ssbsim/force.hpp"
#include "ssbsim/parallel.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

namespace ssbsim {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The descriptions are what users read in the files (h5py .attrs["description"]) and in
// `ssbsim info`; docs/analysis.md explains the definitions at length.
constexpr std::array<ObservableSpec, 20> specs{{
    {"magnetization", Shape::components, "lattice units",
     "lattice mean of the field, M_a = V^-1 sum_x phi_x^a"},
    {"abs_magnetization", Shape::scalar, "lattice units",
     "order parameter |M| = sqrt(sum_a M_a^2) of the lattice-mean field"},
    {"magnetization2", Shape::scalar, "lattice units", "|M|^2 = sum_a M_a^2"},
    {"magnetization4", Shape::scalar, "lattice units", "|M|^4 = (sum_a M_a^2)^2"},
    {"phi2", Shape::scalar, "lattice units", "mean squared field, V^-1 sum_x |phi_x|^2"},
    {"phi4", Shape::scalar, "lattice units", "mean quartic field, V^-1 sum_x |phi_x|^4"},
    {"action", Shape::scalar, "lattice units", "action density S/V = kinetic + potential"},
    {"kinetic", Shape::scalar, "lattice units",
     "kinetic (gradient) part of S/V, V^-1 sum_x sum_mu J_mu/2 |phi_{x+mu} - phi_x|^2"},
    {"potential", Shape::scalar, "lattice units",
     "potential part of S/V, V^-1 sum_x [m2/2 |phi|^2 + lambda/4 |phi|^4 - h.phi]"},
    {"grad_norm", Shape::scalar, "lattice units",
     "RMS gradient of the action, sqrt(V^-1 sum_x |dS/dphi_x|^2)"},
    {"domain_walls", Shape::scalar, "1 (fraction of links)",
     "fraction of nearest-neighbour links <x, x+mu> with phi_x.phi_{x+mu} < 0 (N = 1: the ends "
     "have opposite signs, a domain wall crosses the link; N > 1: the field turns by more than "
     "90 degrees); links across open boundaries and along mean-field axes do not exist and are "
     "not counted (0 without any link)"},
    {"schwinger_dyson", Shape::scalar, "1",
     "Schwinger-Dyson estimator (N V T)^-1 sum_x phi_x.dS/dphi_x, whose mean is 1 in "
     "equilibrium at temperature T; at T = 0 (gradient flow) the unnormalised "
     "(N V)^-1 sum_x phi_x.dS/dphi_x, which is 0 at a stationary point"},
    {"structure_factor_zero", Shape::scalar, "lattice units",
     "structure factor at zero momentum, S(0) = V^-1 |sum_x phi_x|^2 = V |M|^2"},
    {"xi2", Shape::scalar, "lattice spacings",
     "second-moment correlation length of this configuration, xi2^2 = sum_mu (S(0) - S_mu) / "
     "sum_mu 4 sin^2(pi/L_mu) S_mu over the periodic nearest-neighbour axes (S_mu = "
     "structure_factor); NaN when xi2^2 <= 0 (S(0) <= S(k_min): no correlation resolved) or no "
     "axis qualifies. One "
     "configuration is a noisy estimate; ssbsim analyze forms xi2 from the means of S",
     Kind::partial},
    {"temperature", Shape::scalar, "lattice units",
     "noise temperature T in force at this step (schedule value; 0 for gradient flow)",
     Kind::parameter},
    {"step_size", Shape::scalar, "lattice units",
     "step size epsilon in force at this step (learning rate; flow_adaptive: next step)",
     Kind::parameter},
    {"m2", Shape::scalar, "lattice units", "mass parameter m2 in force at this step (mass form)",
     Kind::parameter},
    {"h", Shape::components, "lattice units", "external field h in force at this step (mass form)",
     Kind::parameter},
    {"structure_factor", Shape::axes, "lattice units",
     "structure factor at the lowest non-zero momentum along each axis mu, S_mu = "
     "V^-1 sum_a |sum_x phi_x^a exp(2 pi i x_mu / L_mu)|^2"},
    {"correlator", Shape::axes_by_extent, "lattice units",
     "zero-momentum (time-slice) correlator along each axis mu, C_mu(t) = mean over slice "
     "pairs of Phi_mu(s).Phi_mu(s+t) / (V/L_mu), Phi_mu(s) = sum of phi over the slice x_mu = s; "
     "periodic axes: all L_mu pairs (sum_t C_mu(t) = S(0)); open axes: the L_mu - t pairs inside "
     "the lattice; NaN for t >= L_mu",
     Kind::partial},
}};

bool lattice_shaped(const ObservableSpec& s) {
    return s.shape == Shape::axes || s.shape == Shape::axes_by_extent;
}

// Where each sum lives in the reduction: the site sums, then per axis the slice sums [a][t].
struct SumLayout {
    int n;
    int phi2, kinetic, potential, force2, phi4, virial, walls;
    std::array<int, max_dims> slices{};
    int size;

    SumLayout(const Lattice& lattice, int components)
        : n(components), phi2(n), kinetic(n + 1), potential(n + 2), force2(n + 3), phi4(n + 4),
          virial(n + 5), walls(n + 6) {
        int offset = n + 7;
        for (int mu = 0; mu < lattice.dims(); ++mu) {
            slices[mu] = offset;
            offset += n * static_cast<int>(lattice.extent(mu));
        }
        size = offset;
    }
};

// Per-thread buffers: the force tile, and the link products φ_x·φ_y of one tile.
struct MeasureScratch {
    TileScratch tile;
    std::vector<double> dot;
    explicit MeasureScratch(int components) : tile(components), dot(tile_sites) {}
};

// Links of the tile with φ_x·φ_{x+μ} < 0, along every nearest-neighbour axis (a mean-field axis
// has no links: its sites are permutable). The row axis counts the links to the next site
// (`inner` of them inside the row, and the periodic wrap at the row's end); along the other axes
// an open boundary points at the row itself, where φ_x·φ_x >= 0 never counts.
template <int Slow>
double count_walls(const Field& phi, const ActionParams& p, const RowGeometry& g, std::int64_t i0,
                   std::int64_t m, std::int64_t inner, bool wrap_link, std::int64_t len,
                   double* dot) {
    const int n = phi.components();
    double walls = 0.0;
    for (int mu = 0; mu <= Slow; ++mu) {
        if (p.kind[mu] == CouplingKind::mean) continue;
        const std::int64_t count = mu < Slow ? m : inner;
        std::fill(dot, dot + count, 0.0);
        for (int a = 0; a < n; ++a) {
            const double* x = phi.component(a) + g.base + i0;
            const double* y = mu < Slow ? phi.component(a) + g.up[mu] + i0 : x + 1;
#pragma omp simd
            for (std::int64_t i = 0; i < count; ++i)
                dot[i] += x[i] * y[i];
        }
        walls += lane_sum(count, [&](std::int64_t i) { return dot[i] < 0.0 ? 1.0 : 0.0; });
    }
    if (wrap_link && p.kind[Slow] != CouplingKind::mean) {
        double d = 0.0;
        for (int a = 0; a < n; ++a)
            d += phi.component(a)[g.base + len - 1] * phi.component(a)[g.base];
        walls += d < 0.0 ? 1.0 : 0.0;
    }
    return walls;
}

// Every sum over sites of a measurement, in one pass (layout: SumLayout).
template <int Slow>
std::vector<double> field_sums(const Lattice& lattice, const Field& phi, const ActionParams& p,
                               const SumLayout& at) {
    const int n = phi.components();
    const std::int64_t len = lattice.row_length();
    const bool wrap = lattice.periodic(lattice.dims() - 1);
    const double J_row = p.coupling[Slow];
    const bool row_mean = p.kind[Slow] == CouplingKind::mean;
    return sum_over_rows_with(
        lattice.rows(), len, at.size, [&] { return MeasureScratch(n); },
        [&](std::int64_t row, double* out, MeasureScratch& scratch) {
            TileScratch& s = scratch.tile;
            const RowGeometry g(lattice, row);
            const auto coord = lattice.coordinates(g.base);
            for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                force_tile<Slow>(lattice, p, phi, g, i0, i1, s);
                const std::int64_t m = i1 - i0;
                // Links along the row: forward neighbour inside the tile, then the link that
                // leaves the tile (to the next tile, across the periodic wrap, or none).
                const std::int64_t inner = i1 == len ? m - 1 : m;
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
                    if (p.source) {
                        const double* hs = p.source->component(a) + g.base + i0;
                        pot -= lane_sum(m, [&](std::int64_t i) { return hs[i] * x[i]; });
                    }
                    out[at.force2] += lane_sum(m, [&](std::int64_t i) { return f[i] * f[i]; });
                    out[at.virial] += lane_sum(m, [&](std::int64_t i) { return x[i] * f[i]; });
                    for (int mu = 0; mu < Slow; ++mu) {
                        // Nearest: J/2 (φ_{x+μ} − φ_x)² per forward link; mean-field:
                        // J (φ_x − φ̄)² per site, φ̄ the mean of the fibre along μ.
                        const bool mean = p.kind[mu] == CouplingKind::mean;
                        const double* y =
                            mean ? p.means->row(mu, a, row) + i0 : plane + g.up[mu] + i0;
                        kin +=
                            (mean ? 1.0 : 0.5) * p.coupling[mu] * lane_sum(m, [&](std::int64_t i) {
                                return (y[i] - x[i]) * (y[i] - x[i]);
                            });
                        out[at.slices[mu] + a * lattice.extent(mu) + coord[mu]] += sum_x;
                    }
                    if (row_mean) {
                        const double mean = *p.means->row(Slow, a, row);
                        kin += J_row * lane_sum(m, [&](std::int64_t i) {
                                   return (x[i] - mean) * (x[i] - mean);
                               });
                    } else {
                        kin += 0.5 * J_row * lane_sum(inner, [&](std::int64_t i) {
                                   return (x[i + 1] - x[i]) * (x[i + 1] - x[i]);
                               });
                    }
                    if (i1 == len && wrap && !row_mean) {
                        const double d = plane[g.base] - x[m - 1];
                        kin += 0.5 * J_row * d * d;
                    }
                    double* slice = out + at.slices[Slow] + a * len + i0;
                    for (std::int64_t i = 0; i < m; ++i)
                        slice[i] += x[i];
                }
                out[at.phi2] += lane_sum(m, [&](std::int64_t i) { return r2[i]; });
                out[at.phi4] += lane_sum(m, [&](std::int64_t i) { return r2[i] * r2[i]; });
                out[at.kinetic] += kin;
                out[at.potential] += pot;
                out[at.walls] += count_walls<Slow>(phi, p, g, i0, m, inner, i1 == len && wrap, len,
                                                   scratch.dot.data());
            });
        });
}

// Nearest-neighbour links of the lattice (open boundaries counted right, mean-field axes none).
std::int64_t total_links(const Lattice& lattice, const ActionParams& p) {
    std::int64_t links = 0;
    for (int mu = 0; mu < lattice.dims(); ++mu)
        if (p.kind[mu] != CouplingKind::mean) links += lattice.links(mu);
    return links;
}

// S_μ(k_min) = V⁻¹ Σ_a |Σ_t Φ_a(t) e^{2πi t/L}|² from the slice sums of axis μ.
double structure_factor(const double* slices, int n, std::int64_t L, double volume) {
    double s = 0.0;
    for (int a = 0; a < n; ++a) {
        double re = 0.0, im = 0.0;
        for (std::int64_t t = 0; t < L; ++t) {
            const double angle =
                2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(L);
            re += slices[a * L + t] * std::cos(angle);
            im += slices[a * L + t] * std::sin(angle);
        }
        s += re * re + im * im;
    }
    return s / volume;
}

// C_μ(t) for t = 0..L-1 into out[0..L), NaN up to max_extent (see the table for the definition).
void correlator(const double* slices, int n, std::int64_t L, bool periodic, double volume,
                int max_extent, std::vector<double>& record) {
    const double slice_sites = volume / static_cast<double>(L);
    for (std::int64_t t = 0; t < L; ++t) {
        const std::int64_t pairs = periodic ? L : L - t;
        double c = 0.0;
        // s + t wraps at s = L - t: two branch-free runs instead of a modulo per term.
        const std::int64_t inside = L - t;
        for (int a = 0; a < n; ++a) {
            const double* x = slices + a * L;
            c += lane_sum(inside, [&](std::int64_t s) { return x[s] * x[s + t]; });
            if (periodic) c += lane_sum(t, [&](std::int64_t s) { return x[inside + s] * x[s]; });
        }
        record.push_back(c / (slice_sites * static_cast<double>(pairs)));
    }
    for (std::int64_t t = L; t < max_extent; ++t)
        record.push_back(nan);
}

} // namespace

std::span<const ObservableSpec> observable_specs() {
    return specs;
}

RecordLayout::RecordLayout(const Lattice& lattice, int components)
    : components(components), axes(lattice.dims()) {
    for (int mu = 0; mu < lattice.dims(); ++mu)
        max_extent = std::max(max_extent, static_cast<int>(lattice.extent(mu)));
}

std::vector<std::uint64_t> RecordLayout::row_shape(const ObservableSpec& spec) const {
    if (lattice_shaped(spec) && axes == 0)
        throw std::logic_error(std::string("observable ") + spec.name +
                               ": its shape depends on the lattice; use RecordLayout(lattice, N)");
    const auto u = [](int v) { return static_cast<std::uint64_t>(v); };
    switch (spec.shape) {
    case Shape::scalar:
        return {};
    case Shape::components:
        return {u(components)};
    case Shape::axes:
        return {u(axes)};
    case Shape::axes_by_extent:
        return {u(axes), u(max_extent)};
    }
    return {};
}

int RecordLayout::width(const ObservableSpec& spec) const {
    int w = 1;
    for (std::uint64_t e : row_shape(spec))
        w *= static_cast<int>(e);
    return w;
}

int record_offset(const char* name, const RecordLayout& layout) {
    int offset = 0;
    for (const ObservableSpec& s : specs) {
        if (std::strcmp(s.name, name) == 0) return offset;
        offset += layout.width(s);
    }
    throw std::out_of_range(std::string("no observable named ") + name);
}

int record_offset(const char* name, int components) {
    return record_offset(name, RecordLayout(components));
}

int record_size(const RecordLayout& layout) {
    int size = 0;
    for (const ObservableSpec& s : specs)
        size += layout.width(s);
    return size;
}

const char* nonfinite_observable(std::span<const double> record, const RecordLayout& layout) {
    std::size_t offset = 0;
    for (const ObservableSpec& s : specs) {
        const auto width = static_cast<std::size_t>(layout.width(s));
        if (s.kind != Kind::partial)
            for (std::size_t i = offset; i < offset + width && i < record.size(); ++i)
                if (!std::isfinite(record[i])) return s.name;
        offset += width;
    }
    return nullptr;
}

double second_moment_xi_squared(double s0, std::span<const double> s_kmin,
                                std::span<const std::int64_t> extents,
                                std::span<const Boundary> boundary) {
    double num = 0.0, den = 0.0;
    bool any = false;
    for (std::size_t mu = 0; mu < s_kmin.size(); ++mu) {
        if (boundary[mu] != Boundary::periodic) continue;
        const double s = std::sin(std::numbers::pi / static_cast<double>(extents[mu]));
        num += s0 - s_kmin[mu];
        den += 4.0 * s * s * s_kmin[mu];
        any = true;
    }
    if (!any || !(den > 0.0)) return nan;
    return num / den;
}

double second_moment_xi(double s0, std::span<const double> s_kmin,
                        std::span<const std::int64_t> extents, std::span<const Boundary> boundary) {
    const double xi_sq = second_moment_xi_squared(s0, s_kmin, extents, boundary);
    return xi_sq > 0.0 ? std::sqrt(xi_sq) : nan;
}

std::vector<double> measure(const Lattice& lattice, const Field& phi, const StepParams& params) {
    const int n = phi.components();
    const int d = lattice.dims();
    const ForceParams fp(lattice, params.action, phi);
    const ActionParams& p = fp.params;
    const SumLayout at(lattice, n);
    const std::vector<double> sums = with_slow_axes(
        d, [&](auto slow) { return field_sums<decltype(slow)::value>(lattice, phi, p, at); });
    const double v = static_cast<double>(lattice.volume());
    const RecordLayout layout(lattice, n);
    std::vector<double> record;
    record.reserve(static_cast<std::size_t>(record_size(layout)));

    double m_sq = 0.0;
    for (int a = 0; a < n; ++a) {
        record.push_back(sums[a] / v);
        m_sq += (sums[a] / v) * (sums[a] / v);
    }
    record.push_back(std::sqrt(m_sq));
    record.push_back(m_sq);
    record.push_back(m_sq * m_sq);
    const double kinetic = sums[at.kinetic] / v, potential = sums[at.potential] / v;
    record.push_back(sums[at.phi2] / v);
    record.push_back(sums[at.phi4] / v);
    record.push_back(kinetic + potential);
    record.push_back(kinetic);
    record.push_back(potential);
    record.push_back(std::sqrt(sums[at.force2] / v));
    const std::int64_t links = total_links(lattice, p);
    record.push_back(links > 0 ? sums[at.walls] / static_cast<double>(links) : 0.0);
    // φ·∂S/∂φ = −φ·F; dividing by T only where there is a temperature keeps T = 0 NaN-free.
    const double virial = -sums[at.virial] / (v * n);
    record.push_back(params.temperature > 0.0 ? virial / params.temperature : virial);
    const double s0 = v * m_sq;
    record.push_back(s0);

    std::vector<double> s_kmin(static_cast<std::size_t>(d));
    for (int mu = 0; mu < d; ++mu)
        s_kmin[mu] = structure_factor(sums.data() + at.slices[mu], n, lattice.extent(mu), v);
    // A mean-field axis has no momentum (its sites are permutable): left out of ξ₂ like an
    // open one.
    std::vector<Boundary> boundary(static_cast<std::size_t>(d));
    for (int mu = 0; mu < d; ++mu)
        boundary[mu] = p.kind[mu] == CouplingKind::mean ? Boundary::open : lattice.boundary(mu);
    record.push_back(second_moment_xi(s0, s_kmin, lattice.extents(), boundary));

    record.push_back(params.temperature);
    record.push_back(params.eps);
    record.push_back(p.m2);
    for (int a = 0; a < n; ++a)
        record.push_back(p.h[a]);
    record.insert(record.end(), s_kmin.begin(), s_kmin.end());
    for (int mu = 0; mu < d; ++mu)
        correlator(sums.data() + at.slices[mu], n, lattice.extent(mu), lattice.periodic(mu), v,
                   layout.max_extent, record);
    return record;
}

} // namespace ssbsim
