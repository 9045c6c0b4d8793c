#include "ssbsim/measure/observables.hpp"

#include "ssbsim/core/comm.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/measure/autocorrelation.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/force.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace ssbsim {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

bool lattice_shaped(const ObservableSpec& s) {
    return s.shape == Shape::axes || s.shape == Shape::axes_by_extent;
}

// Where each sum lives: the site sums, then per axis the slice sums [a][t] (what measure()
// reads). The pass over the field reduces the site sums and the slices of the row axis (a sum
// per column, stored after the site sums); the slices of the slow axes are formed afterwards
// from the per-row sums of φ.
struct SumLayout {
    int n;
    int phi2, kinetic, potential, force2, phi4, virial, walls;
    int source;    // Σ_x h_x·φ_x of a site-dependent source, folded into the potential
    int site_sums; // how many site sums precede the columns in the reduction
    std::array<int, max_dims> slices{};
    int size;

    SumLayout(const Lattice& lattice, int components)
        : n(components), phi2(n), kinetic(n + 1), potential(n + 2), force2(n + 3), phi4(n + 4),
          virial(n + 5), walls(n + 6), source(n + 7), site_sums(n + 8) {
        int offset = site_sums;
        for (int mu = 0; mu < lattice.dims(); ++mu) {
            slices[mu] = offset;
            offset += n * static_cast<int>(lattice.extent(mu));
        }
        size = offset;
    }
};

// The lanes of the row being summed: Σφ per component (the slow-axis slices need it per row) and
// the component-summed terms. The potential holds Σ m²/2 |φ|² + λ/4 |φ|⁴ only; the h terms are
// linear in the site sums and added at the end.
struct RowLanes {
    std::vector<Lanes> x;
    Lanes force2, virial, kinetic, source, phi2, phi4, potential, walls;
    explicit RowLanes(int components) : x(static_cast<std::size_t>(components)) {}
    void clear() {
        std::fill(x.begin(), x.end(), Lanes{});
        force2 = virial = kinetic = source = phi2 = phi4 = potential = walls = Lanes{};
    }
};

// Per-thread buffers: the force tile, the link products φ_x·φ_{x+μ} of one tile (N > 1: the
// sign is taken after the sum over components), a tile of the row mean (a mean-field row axis
// reads it as its neighbour), and the lanes of the row in progress.
struct MeasureScratch {
    TileScratch tile;
    std::vector<double> dot;
    std::vector<double> row_mean;
    RowLanes lanes;
    explicit MeasureScratch(int components)
        : tile(components), dot(max_dims * tile_sites), row_mean(tile_sites), lanes(components) {}
};

// What one component's terms read on a tile. Every axis has a neighbour array y: for a slow axis
// the next row (an open boundary: the row itself, so the link adds nothing) or the fibre means;
// for the row axis the next site or the row mean. The weights make the kinetic term J/2 per
// forward link or J per site of a mean-field axis; `link` is 1 where a wall can cross (0 along a
// mean-field axis, whose sites are permutable).
template <int Slow>
struct TileArrays {
    const double* x;
    const double* f;
    const double* source;
    const double* y[Slow + 1];
    double weight[Slow + 1];
    double link[Slow + 1];
};

// Adds the terms of one component on a tile to the lanes. Sites [0, count) read their row-axis
// neighbour from y[Slow]; a row's last site, whose neighbour is across the wrap (or itself at an
// open end), comes last with that neighbour given as tail_y. Single (N = 1): |φ|², the potential
// and the walls are formed here as well; otherwise the link products go to dot[μ][site]. The
// column (row-axis slice) sums are added in place.
template <int Slow, bool Single, bool Source>
void component_terms(const TileArrays<Slow>& in, std::int64_t count, bool tail, double tail_y,
                     double half_m2, double quarter_lambda, Lanes& sum_x, RowLanes& r,
                     double* __restrict column, double* __restrict dot) {
    // Local copies: the accumulators stay in registers, not reloaded around each store.
    Lanes sx = sum_x, f2 = r.force2, vir = r.virial, kin = r.kinetic, src = r.source;
    Lanes p2 = r.phi2, p4 = r.phi4, pot = r.potential, walls = r.walls;
    const double* __restrict x = in.x;
    const double* __restrict f = in.f;
    const double* __restrict hs = in.source;
    const double* y[Slow + 1];
    double weight[Slow + 1], link[Slow + 1];
    for (int mu = 0; mu <= Slow; ++mu)
        y[mu] = in.y[mu], weight[mu] = in.weight[mu], link[mu] = in.link[mu];
    auto site = [&](std::int64_t i, int j, double y_row) {
        const double xi = x[i], fi = f[i];
        sx.v[j] += xi;
        f2.v[j] += fi * fi;
        vir.v[j] += xi * fi;
        if constexpr (Source) src.v[j] += hs[i] * xi;
        double k = 0.0, w = 0.0;
        for (int mu = 0; mu <= Slow; ++mu) {
            const double ym = mu < Slow ? y[mu][i] : y_row;
            k += weight[mu] * ((ym - xi) * (ym - xi));
            if constexpr (Single)
                w += xi * ym < 0.0 ? link[mu] : 0.0;
            else
                dot[mu * tile_sites + i] += xi * ym;
        }
        kin.v[j] += k;
        column[i] += xi;
        if constexpr (Single) {
            const double r2 = xi * xi;
            p2.v[j] += r2;
            p4.v[j] += r2 * r2;
            pot.v[j] += (half_m2 + quarter_lambda * r2) * r2;
            walls.v[j] += w;
        }
    };
    for_each_lane(count, [&](std::int64_t i, int j) { site(i, j, y[Slow][i]); });
    if (tail) site(count, static_cast<int>(count % 8), tail_y);
    sum_x = sx, r.force2 = f2, r.virial = vir, r.kinetic = kin, r.source = src;
    r.phi2 = p2, r.phi4 = p4, r.potential = pot, r.walls = walls;
}

// N > 1: the terms of |φ|² (from the force tile) and the walls (signs of the summed link
// products) of the m sites of a tile.
template <int Slow>
void site_terms(const double* __restrict r2, const double* __restrict dot,
                const double (&link)[Slow + 1], std::int64_t m, double half_m2,
                double quarter_lambda, RowLanes& r) {
    Lanes p2 = r.phi2, p4 = r.phi4, pot = r.potential, walls = r.walls;
    auto site = [&](std::int64_t i, int j) {
        p2.v[j] += r2[i];
        p4.v[j] += r2[i] * r2[i];
        pot.v[j] += (half_m2 + quarter_lambda * r2[i]) * r2[i];
        double w = 0.0;
        for (int mu = 0; mu <= Slow; ++mu)
            w += dot[mu * tile_sites + i] < 0.0 ? link[mu] : 0.0;
        walls.v[j] += w;
    };
    for_each_lane(m, site);
    r.phi2 = p2, r.phi4 = p4, r.potential = pot, r.walls = walls;
}

// Calls body(std::bool_constant<single>{}, std::bool_constant<source>{}).
template <class Body>
void with_variant(bool single, bool source, Body&& body) {
    if (single && source)
        body(std::true_type{}, std::true_type{});
    else if (single)
        body(std::true_type{}, std::false_type{});
    else if (source)
        body(std::false_type{}, std::true_type{});
    else
        body(std::false_type{}, std::false_type{});
}

// The site sums of rows [first, last) into out (layout: SumLayout, then the n·L columns), the
// row sums of φ into row_x[a · rows + row]. Rows are summed in order, each lane by lane.
template <int Slow>
void group_sums(const Lattice& lattice, const Field& phi, const ActionParams& p,
                const SumLayout& at, std::int64_t first, std::int64_t last, double* out,
                MeasureScratch& s, double* row_x) {
    const int n = phi.components();
    const std::int64_t len = lattice.row_length(), rows = lattice.rows();
    const bool wrap = lattice.periodic(Slow);
    const bool row_mean = p.kind[Slow] == CouplingKind::mean;
    const double half_m2 = 0.5 * p.m2, quarter_lambda = 0.25 * p.lambda;
    double* columns = out + at.site_sums;
    double link[Slow + 1];
    for (int mu = 0; mu <= Slow; ++mu)
        link[mu] = p.kind[mu] == CouplingKind::mean ? 0.0 : 1.0;
    for (std::int64_t row = first; row < last; ++row) {
        RowLanes& r = s.lanes;
        r.clear();
        const RowGeometry g(lattice, row);
        for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
            const std::int64_t m = i1 - i0;
            TileScratch& t = s.tile;
            if (n == 1) { // |φ|² in registers, no tile_phi2 pass
                apply_force<Slow, true>(lattice, p, phi, g, i0, i1, nullptr, [&](int) {
                    double* __restrict f = t.force_of(0);
                    return [f](std::int64_t k, double force, double) { f[k] = force; };
                });
            } else {
                force_tile<Slow>(lattice, p, phi, g, i0, i1, t);
                std::fill(s.dot.begin(), s.dot.begin() + (Slow + 1) * tile_sites, 0.0);
            }
            // The row axis: the link to the next site, except from the row's last site (tail).
            const bool tail = i1 == len && !row_mean;
            for (int a = 0; a < n; ++a) {
                const double* plane = phi.component(a);
                TileArrays<Slow> in;
                in.x = plane + g.base + i0;
                in.f = t.force_of(a);
                in.source = p.source ? p.source->component(a) + g.base + i0 : nullptr;
                for (int mu = 0; mu < Slow; ++mu) {
                    const bool mean = p.kind[mu] == CouplingKind::mean;
                    in.y[mu] = mean ? p.means->row(mu, a, row) + i0 : plane + g.up[mu] + i0;
                    in.weight[mu] = (mean ? 1.0 : 0.5) * p.coupling[mu];
                    in.link[mu] = link[mu];
                }
                if (row_mean) {
                    std::fill(s.row_mean.begin(), s.row_mean.begin() + m,
                              *p.means->row(Slow, a, row));
                    in.y[Slow] = s.row_mean.data();
                } else {
                    in.y[Slow] = in.x + 1;
                }
                in.weight[Slow] = (row_mean ? 1.0 : 0.5) * p.coupling[Slow];
                in.link[Slow] = link[Slow];
                const double tail_y = plane[g.base + (wrap ? 0 : len - 1)];
                with_variant(n == 1, p.source != nullptr, [&](auto single, auto source) {
                    component_terms<Slow, decltype(single)::value, decltype(source)::value>(
                        in, tail ? m - 1 : m, tail, tail_y, half_m2, quarter_lambda, r.x[a], r,
                        columns + a * len + i0, s.dot.data());
                });
            }
            if (n > 1)
                site_terms<Slow>(t.phi2.data(), s.dot.data(), link, m, half_m2, quarter_lambda, r);
        });
        for (int a = 0; a < n; ++a) {
            const double sum = r.x[a].total();
            out[a] += sum;
            row_x[a * rows + row] = sum;
        }
        out[at.phi2] += r.phi2.total();
        out[at.phi4] += r.phi4.total();
        out[at.kinetic] += r.kinetic.total();
        out[at.potential] += r.potential.total();
        out[at.force2] += r.force2.total();
        out[at.virial] += r.virial.total();
        out[at.walls] += r.walls.total();
        out[at.source] += r.source.total();
    }
}

// The slices of the slow axes from the per-row sums of φ (row_x[a · local rows + local row]),
// each added in global row order. Split over ranks, the running slice sums pass from rank to
// rank in rank (= row) order and the last rank's reach every rank through the root.
template <int Slow>
void slow_slices(const Domain& domain, const SumLayout& at, const std::vector<double>& row_x,
                 std::vector<double>& sums) {
    const Lattice& lattice = domain.whole();
    const Communicator& comm = domain.comm();
    const int n = at.n;
    const std::int64_t len = lattice.row_length(), rows = domain.local().rows();
    const RowRange own = domain.own();
    const std::span<double> region(sums.data() + at.slices[0],
                                   static_cast<std::size_t>(at.slices[Slow] - at.slices[0]));
    if (comm.rank() > 0) comm.recv(region, comm.rank() - 1, 2);
    for (std::int64_t row = own.first; row < own.last; ++row) {
        const auto coord = lattice.coordinates((row + own.global_row_offset) * len);
        for (int mu = 0; mu < Slow; ++mu)
            for (int a = 0; a < n; ++a)
                sums[at.slices[mu] + a * lattice.extent(mu) + coord[mu]] += row_x[a * rows + row];
    }
    if (!comm.split()) return;
    const int last = comm.size() - 1;
    if (comm.rank() < last) comm.send(region, comm.rank() + 1, 2);
    if (comm.rank() == last) comm.send(region, 0, 3);
    if (comm.root()) comm.recv(region, last, 3);
    comm.broadcast(region);
}

// Every sum over sites of a measurement (layout: SumLayout), in one pass over the field: the
// force and every term are formed tile by tile while the tile is in L1 cache. Over this rank's
// rows; the sums are those of the whole lattice, with its bits (core/comm.hpp).
template <int Slow>
std::vector<double> field_sums(const Domain& domain, const Field& phi, const ActionParams& p,
                               const SumLayout& at) {
    const Lattice& lattice = domain.local();
    const int n = phi.components();
    const std::int64_t len = lattice.row_length(), rows = lattice.rows();
    std::vector<double> row_x(static_cast<std::size_t>(n * rows));
    const std::vector<double> reduced = sum_over_row_groups_with(
        domain.comm(), domain.slab(), len, at.site_sums + n * len,
        [&] { return MeasureScratch(n); },
        [&](std::int64_t first, std::int64_t last, double* out, MeasureScratch& s) {
            group_sums<Slow>(lattice, phi, p, at, first, last, out, s, row_x.data());
        });
    std::vector<double> sums(static_cast<std::size_t>(at.size), 0.0);
    std::copy(reduced.begin(), reduced.begin() + at.site_sums, sums.begin());
    for (int a = 0; a < n; ++a)
        sums[at.potential] -= p.h[a] * sums[a];
    sums[at.potential] -= sums[at.source];
    slow_slices<Slow>(domain, at, row_x, sums);
    std::copy(reduced.begin() + at.site_sums, reduced.end(), sums.begin() + at.slices[Slow]);
    return sums;
}

// Nearest-neighbour links of the lattice (open boundaries counted right, mean-field axes none).
std::int64_t total_links(const Lattice& lattice, const ActionParams& p) {
    std::int64_t links = 0;
    for (int mu = 0; mu < lattice.dims(); ++mu)
        if (p.kind[mu] != CouplingKind::mean) links += lattice.links(mu);
    return links;
}

// S_μ(k_min) = V⁻¹ Σ_a |Σ_t Φ_a(t) e^{2πi t/L}|² from the slice sums of axis μ and the phases
// e^{2πi t/L} of the axis (MeasurePlans: computed once, not L sincos per measurement).
double structure_factor(const double* slices, int n, std::span<const double> cos_kt,
                        std::span<const double> sin_kt, double volume) {
    const auto L = static_cast<std::int64_t>(cos_kt.size());
    double s = 0.0;
    for (int a = 0; a < n; ++a) {
        const double* x = slices + a * L;
        const double re = lane_sum(L, [&](std::int64_t t) { return x[t] * cos_kt[t]; });
        const double im = lane_sum(L, [&](std::int64_t t) { return x[t] * sin_kt[t]; });
        s += re * re + im * im;
    }
    return s / volume;
}

// Lags per pass of the lag products: each Φ(s) is loaded once for four lags, and the four
// eight-lane sums are independent chains.
constexpr std::int64_t lag_block = 4;

// Slice sums of one axis laid out for the lag products: per component Φ(0..L-1), then its
// periodic continuation (periodic axis) or zeros (open axis: pairs beyond the end add nothing),
// so that every lag is one branch-free run over s < L.
struct ExtendedSlices {
    int n;
    std::int64_t L, stride;
    std::vector<double> values;

    ExtendedSlices(const double* slices, int n, std::int64_t L, bool periodic)
        : n(n), L(L), stride(2 * L + lag_block), values(static_cast<std::size_t>(n * stride), 0.0) {
        for (int a = 0; a < n; ++a) {
            std::copy(slices + a * L, slices + (a + 1) * L, values.begin() + a * stride);
            if (periodic)
                std::copy(slices + a * L, slices + (a + 1) * L, values.begin() + a * stride + L);
        }
    }
    std::int64_t blocks() const { return (L + lag_block - 1) / lag_block; }

    // Σ_a Σ_{s<L} Φ_a(s) Φ_a(s + t) for the lags t of block b into out[t - b · lag_block].
    void block_products(std::int64_t b, double* out) const {
        Lanes acc[lag_block];
        for (int a = 0; a < n; ++a) {
            const double* __restrict x = values.data() + a * stride;
            const double* __restrict y = x + b * lag_block;
            auto term = [&](std::int64_t s, int j) {
                for (int q = 0; q < lag_block; ++q)
                    acc[q].v[j] += x[s] * y[s + q];
            };
            for_each_lane(L, term);
        }
        for (int q = 0; q < lag_block; ++q)
            out[q] = acc[q].total();
    }
};

// Per axis μ, the sums Σ_a Σ_s Φ_a(s) Φ_a(s + t), t = 0..L_μ-1, over the pairs of the
// correlator (s + t modulo L on a periodic axis, inside the lattice on an open one). The blocks
// of lags of the short axes are shared out over the threads in one parallel region (a region is
// cheap on an idle machine but can cost a time slice on a busy one); each lag is summed by one
// thread in a fixed order. Long axes are transformed serially (MeasurePlans), so neither path
// depends on the number of threads.
std::vector<std::vector<double>> lag_products(const Lattice& lattice, const SumLayout& at,
                                              const std::vector<double>& sums,
                                              const MeasurePlans& plans) {
    const int d = lattice.dims();
    std::vector<std::optional<ExtendedSlices>> axes(static_cast<std::size_t>(d));
    std::vector<std::int64_t> first_block{0};
    std::int64_t max_extent = 0; // a block costs at most lag_block · n · max_extent terms
    std::vector<std::vector<double>> products(static_cast<std::size_t>(d));
    for (int mu = 0; mu < d; ++mu) {
        const std::int64_t L = lattice.extent(mu);
        const double* slices = sums.data() + at.slices[mu];
        if (const Autocorrelation* fft = plans.axis(mu)) {
            products[mu].assign(static_cast<std::size_t>(L), 0.0);
            for (int a = 0; a < at.n; ++a) {
                const std::vector<double> c =
                    (*fft)(std::span<const double>(slices + a * L, static_cast<std::size_t>(L)));
                for (std::int64_t t = 0; t < L; ++t)
                    products[mu][t] += c[t];
            }
            first_block.push_back(first_block.back());
            continue;
        }
        max_extent = std::max(max_extent, L);
        axes[mu].emplace(slices, at.n, L, lattice.periodic(mu));
        products[mu].resize(static_cast<std::size_t>(axes[mu]->blocks() * lag_block));
        first_block.push_back(first_block.back() + axes[mu]->blocks());
    }
    const std::int64_t blocks = first_block.back();
    for_each_row(blocks, lag_block * at.n * max_extent, [&](std::int64_t b) {
        // The axis whose blocks contain b (the last of equal entries: long axes have none).
        const int mu = static_cast<int>(
            std::upper_bound(first_block.begin(), first_block.end(), b) - first_block.begin() - 1);
        const std::int64_t local = b - first_block[mu];
        axes[mu]->block_products(local, products[mu].data() + local * lag_block);
    });
    return products;
}

// C_μ(t) for t = 0..L-1 appended to the record, NaN up to max_extent (see the table for the
// definition), from the lag products of the axis.
void correlator(const std::vector<double>& products, std::int64_t L, bool periodic, double volume,
                int max_extent, std::vector<double>& record) {
    const double slice_sites = volume / static_cast<double>(L);
    for (std::int64_t t = 0; t < L; ++t) {
        const std::int64_t pairs = periodic ? L : L - t;
        record.push_back(products[t] / (slice_sites * static_cast<double>(pairs)));
    }
    for (std::int64_t t = L; t < max_extent; ++t)
        record.push_back(nan);
}

// What the evaluators read: the site and slice sums of the one pass over the field, and the
// quantities several observables share.
struct Measured {
    const Lattice& lattice;
    const StepParams& params;
    const ActionParams& p; // params.action with the fibre means of the field
    const SumLayout& at;
    const std::vector<double>& sums;
    const MeasurePlans& plans;
    int n;
    double v;                   // volume
    double m_sq;                // |M|² = Σ_a M_a²
    std::vector<double> s_kmin; // S_μ(k_min) per axis

    double density(int sum) const { return sums[sum] / v; }
    double s0() const { return v * m_sq; }
};

// Appends one observable's values (its row of the record, innermost index fastest).
using Evaluator = void (*)(const Measured&, std::vector<double>& record);

struct Observable {
    ObservableSpec spec;
    Evaluator evaluate;
};

// Every observable in output order, with how it is evaluated: adding an observable is one row
// (and, if it needs a new site sum, that sum in SumLayout and the pass). The descriptions are
// what users read in the files (h5py .attrs["description"]) and in `ssbsim info`;
// docs/analysis.md explains the definitions at length.
constexpr std::array<Observable, 23> observables{{
    {{"magnetization", Shape::components, "lattice units",
      "lattice mean of the field, M_a = V^-1 sum_x phi_x^a"},
     [](const Measured& m, std::vector<double>& r) {
         for (int a = 0; a < m.n; ++a)
             r.push_back(m.sums[a] / m.v);
     }},
    {{"abs_magnetization", Shape::scalar, "lattice units",
      "order parameter |M| = sqrt(sum_a M_a^2) of the lattice-mean field"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(std::sqrt(m.m_sq)); }},
    {{"magnetization2", Shape::scalar, "lattice units", "|M|^2 = sum_a M_a^2"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.m_sq); }},
    {{"magnetization4", Shape::scalar, "lattice units", "|M|^4 = (sum_a M_a^2)^2"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.m_sq * m.m_sq); }},
    {{"phi2", Shape::scalar, "lattice units", "mean squared field, V^-1 sum_x |phi_x|^2"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.density(m.at.phi2)); }},
    {{"phi4", Shape::scalar, "lattice units", "mean quartic field, V^-1 sum_x |phi_x|^4"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.density(m.at.phi4)); }},
    {{"action", Shape::scalar, "lattice units", "action density S/V = kinetic + potential"},
     [](const Measured& m, std::vector<double>& r) {
         r.push_back(m.density(m.at.kinetic) + m.density(m.at.potential));
     }},
    {{"kinetic", Shape::scalar, "lattice units",
      "kinetic (gradient) part of S/V, V^-1 sum_x sum_mu J_mu/2 |phi_{x+mu} - phi_x|^2"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.density(m.at.kinetic)); }},
    {{"potential", Shape::scalar, "lattice units",
      "potential part of S/V, V^-1 sum_x [m2/2 |phi|^2 + lambda/4 |phi|^4 - h.phi]"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.density(m.at.potential)); }},
    {{"grad_norm", Shape::scalar, "lattice units",
      "RMS gradient of the action, sqrt(V^-1 sum_x |dS/dphi_x|^2)"},
     [](const Measured& m, std::vector<double>& r) {
         r.push_back(std::sqrt(m.density(m.at.force2)));
     }},
    {{"domain_walls", Shape::scalar, "1 (fraction of links)",
      "fraction of nearest-neighbour links <x, x+mu> with phi_x.phi_{x+mu} < 0 (N = 1: the ends "
      "have opposite signs, a domain wall crosses the link; N > 1: the field turns by more than "
      "90 degrees); links across open boundaries and along mean-field axes do not exist and are "
      "not counted (0 without any link)"},
     [](const Measured& m, std::vector<double>& r) {
         const std::int64_t links = total_links(m.lattice, m.p);
         r.push_back(links > 0 ? m.sums[m.at.walls] / static_cast<double>(links) : 0.0);
     }},
    {{"schwinger_dyson", Shape::scalar, "1",
      "Schwinger-Dyson estimator (N V T)^-1 sum_x phi_x.dS/dphi_x, whose mean is 1 in "
      "equilibrium at temperature T; at T = 0 (gradient flow) the unnormalised "
      "(N V)^-1 sum_x phi_x.dS/dphi_x, which is 0 at a stationary point"},
     [](const Measured& m, std::vector<double>& r) {
         // φ·∂S/∂φ = −φ·F; dividing by T only where there is a temperature keeps T = 0 NaN-free.
         const double virial = -m.sums[m.at.virial] / (m.v * m.n);
         const double t = m.params.temperature;
         r.push_back(t > 0.0 ? virial / t : virial);
     }},
    {{"structure_factor_zero", Shape::scalar, "lattice units",
      "structure factor at zero momentum, S(0) = V^-1 |sum_x phi_x|^2 = V |M|^2"},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.s0()); }},
    {{"xi2", Shape::scalar, "lattice spacings",
      "second-moment correlation length of this configuration, xi2^2 = sum_mu (S(0) - S_mu) / "
      "sum_mu 4 sin^2(pi/L_mu) S_mu over the periodic nearest-neighbour axes (S_mu = "
      "structure_factor); NaN when xi2^2 <= 0 (S(0) <= S(k_min): no correlation resolved) or no "
      "axis qualifies. One "
      "configuration is a noisy estimate; ssbsim analyze forms xi2 from the means of S",
      Kind::partial},
     [](const Measured& m, std::vector<double>& r) {
         // A mean-field axis has no momentum (its sites are permutable): left out of ξ₂ like an
         // open one.
         std::vector<Boundary> boundary(static_cast<std::size_t>(m.lattice.dims()));
         for (int mu = 0; mu < m.lattice.dims(); ++mu)
             boundary[mu] =
                 m.p.kind[mu] == CouplingKind::mean ? Boundary::open : m.lattice.boundary(mu);
         r.push_back(second_moment_xi(m.s0(), m.s_kmin, m.lattice.extents(), boundary));
     }},
    {{"temperature", Shape::scalar, "lattice units",
      "noise temperature T in force at this step (schedule value; 0 for gradient flow)",
      Kind::parameter},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.params.temperature); }},
    {{"step_size", Shape::scalar, "lattice units",
      "step size epsilon in force at this step (learning rate; flow_adaptive: next step)",
      Kind::parameter},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.params.eps); }},
    {{"m2", Shape::scalar, "lattice units", "mass parameter m2 in force at this step (mass form)",
      Kind::parameter},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.p.m2); }},
    {{"h", Shape::components, "lattice units", "external field h in force at this step (mass form)",
      Kind::parameter},
     [](const Measured& m, std::vector<double>& r) {
         for (int a = 0; a < m.n; ++a)
             r.push_back(m.p.h[a]);
     }},
    {{"accepted", Shape::scalar, "1",
      "Metropolis methods (dynamics.method = hmc, mala): 1 if the proposal of the step that led "
      "to this record (an HMC trajectory) was accepted, 0 if it was rejected (the mean is the "
      "acceptance rate); NaN for the other methods and for records recomputed from saved "
      "configurations (ssbsim measure)",
      Kind::partial},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.params.accepted); }},
    {{"delta_h", Shape::scalar, "1",
      "Metropolis methods: Delta H of that proposal, minus the log of its acceptance ratio "
      "(hmc: energy violation Delta H / T, H = sum_x |p_x|^2/2 + S; <Delta H> > 0, of order "
      "eps^4 V for leapfrog); NaN as accepted",
      Kind::partial},
     [](const Measured& m, std::vector<double>& r) { r.push_back(m.params.delta_h); }},
    {{"exp_minus_delta_h", Shape::scalar, "1",
      "Metropolis methods: exp(-Delta H) of that proposal, whose mean is exactly 1 in "
      "equilibrium (Creutz); NaN as accepted",
      Kind::partial},
     [](const Measured& m, std::vector<double>& r) { r.push_back(std::exp(-m.params.delta_h)); }},
    {{"structure_factor", Shape::axes, "lattice units",
      "structure factor at the lowest non-zero momentum along each axis mu, S_mu = "
      "V^-1 sum_a |sum_x phi_x^a exp(2 pi i x_mu / L_mu)|^2"},
     [](const Measured& m, std::vector<double>& r) {
         r.insert(r.end(), m.s_kmin.begin(), m.s_kmin.end());
     }},
    {{"correlator", Shape::axes_by_extent, "lattice units",
      "zero-momentum (time-slice) correlator along each axis mu, C_mu(t) = mean over slice "
      "pairs of Phi_mu(s).Phi_mu(s+t) / (V/L_mu), Phi_mu(s) = sum of phi over the slice x_mu = s; "
      "periodic axes: all L_mu pairs (sum_t C_mu(t) = S(0)); open axes: the L_mu - t pairs inside "
      "the lattice; NaN for t >= L_mu",
      Kind::partial},
     [](const Measured& m, std::vector<double>& r) {
         const auto products = lag_products(m.lattice, m.at, m.sums, m.plans);
         const int max_extent = RecordLayout(m.lattice, m.n).max_extent;
         for (int mu = 0; mu < m.lattice.dims(); ++mu)
             correlator(products[mu], m.lattice.extent(mu), m.lattice.periodic(mu), m.v, max_extent,
                        r);
     }},
}};

constexpr std::array<ObservableSpec, observables.size()> specs = [] {
    std::array<ObservableSpec, observables.size()> out{};
    for (std::size_t i = 0; i < observables.size(); ++i)
        out[i] = observables[i].spec;
    return out;
}();

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

// Axes at least this long get their lag products by FFT, O(L log L); shorter ones directly,
// where a transform's set-up costs more than the L² products.
constexpr std::int64_t fft_min_extent = 256;

MeasurePlans::MeasurePlans(const Lattice& lattice) {
    for (int mu = 0; mu < lattice.dims(); ++mu) {
        const std::int64_t L = lattice.extent(mu);
        axes_.emplace_back();
        if (L >= fft_min_extent) axes_.back().emplace(L, lattice.periodic(mu));
        std::vector<double>& c = cos_.emplace_back(static_cast<std::size_t>(L));
        std::vector<double>& s = sin_.emplace_back(static_cast<std::size_t>(L));
        for (std::int64_t t = 0; t < L; ++t) {
            const double angle =
                2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(L);
            c[t] = std::cos(angle);
            s[t] = std::sin(angle);
        }
    }
}

const Autocorrelation* MeasurePlans::axis(int mu) const {
    const std::optional<Autocorrelation>& a = axes_.at(static_cast<std::size_t>(mu));
    return a ? &*a : nullptr;
}

std::vector<double> measure(const Domain& domain, const Field& phi, const StepParams& params) {
    return measure(domain, phi, params, MeasurePlans(domain.whole()));
}

std::vector<double> measure(const Domain& domain, const Field& phi, const StepParams& params,
                            const MeasurePlans& plans) {
    const Lattice& lattice = domain.whole();
    const int n = phi.components();
    const int d = lattice.dims();
    domain.exchange_halos(phi); // the links of the edge slices read the neighbours' rows
    const ForceParams fp(domain, params.action, phi);
    const ActionParams& p = fp.params;
    const SumLayout at(lattice, n);
    const std::vector<double> sums = with_slow_axes(
        d, [&](auto slow) { return field_sums<decltype(slow)::value>(domain, phi, p, at); });
    Measured m{lattice, params,
               p,       at,
               sums,    plans,
               n,       static_cast<double>(lattice.volume()),
               0.0,     std::vector<double>(static_cast<std::size_t>(d))};
    for (int a = 0; a < n; ++a)
        m.m_sq += (sums[a] / m.v) * (sums[a] / m.v);
    for (int mu = 0; mu < d; ++mu)
        m.s_kmin[mu] = structure_factor(sums.data() + at.slices[mu], n, plans.cos_kmin(mu),
                                        plans.sin_kmin(mu), m.v);
    const RecordLayout layout(lattice, n);
    std::vector<double> record;
    record.reserve(static_cast<std::size_t>(record_size(layout)));
    for (const Observable& o : observables) {
        const std::size_t before = record.size();
        o.evaluate(m, record);
        if (record.size() - before != static_cast<std::size_t>(layout.width(o.spec)))
            throw std::logic_error(std::string("observable ") + o.spec.name +
                                   ": its evaluator does not fill its shape");
    }
    return record;
}

} // namespace ssbsim
