// Observables against brute force: every entry of a record recomputed site by site from the same
// configuration (correlators by the O(V²) double sum, structure factors by the direct Fourier
// sum), on periodic, open and mixed lattices of 1 to 4 axes and 1 to 3 components, with and
// without a site-dependent source, up to lattices where a reduction group holds several rows
// (correlators there from site-by-site slice sums); domain walls on hand-made configurations;
// bitwise independence of the thread count; the Schwinger-Dyson estimator against its exact
// free-field value under both Langevin schemes (per-mode stationary variances) and = 1 within
// errors for langevin2 at small ε, free and interacting. (ξ₂ and the specific heat against the
// exact free-field propagator: test_analyze.)
#include "cli.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/measure/observables.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <omp.h>
#include <random>
#include <sstream>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

Config lattice_config(std::vector<std::int64_t> dims, std::vector<Boundary> boundary, int n) {
    Config c = free_config(std::move(dims), -0.7, Method::langevin, 0.01);
    c.lattice.boundary = std::move(boundary);
    c.field.components = n;
    c.field.init_value.assign(n, 0.0);
    c.action.lambda = 0.8;
    c.action.coupling = {1.0, 0.7, 1.3, 0.9};
    c.action.coupling.resize(c.lattice.dims.size());
    c.action.h.assign(n, 0.0);
    c.action.h[0] = 0.05;
    return c;
}

void randomise(Field& phi, std::uint64_t seed, double offset = 0.3) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(offset, 1.0);
    for (int a = 0; a < phi.components(); ++a)
        for (std::int64_t x = 0; x < phi.volume(); ++x)
            phi.component(a)[x] = g(rng);
}

// The neighbour of site x one step along mu (+1), or -1 where the link does not exist.
std::int64_t neighbour(const Lattice& lat, std::int64_t x, int mu, int dir) {
    auto c = lat.coordinates(x);
    c[mu] += dir;
    if (c[mu] < 0 || c[mu] >= lat.extent(mu)) {
        if (!lat.periodic(mu)) return -1;
        c[mu] = (c[mu] + lat.extent(mu)) % lat.extent(mu);
    }
    return lat.site(c);
}

double dot(const Field& phi, std::int64_t x, std::int64_t y) {
    double s = 0.0;
    for (int a = 0; a < phi.components(); ++a)
        s += phi.component(a)[x] * phi.component(a)[y];
    return s;
}

// Mean of component a over the line through x along axis mu (a mean-field axis's fibre).
double fibre_mean(const Lattice& lat, const Field& phi, std::int64_t x, int mu, int a) {
    auto c = lat.coordinates(x);
    double sum = 0.0;
    for (c[mu] = 0; c[mu] < lat.extent(mu); ++c[mu])
        sum += phi.component(a)[lat.site(c)];
    return sum / static_cast<double>(lat.extent(mu));
}

bool mean_axis(const ActionParams& p, int mu) {
    return p.kind[mu] == CouplingKind::mean;
}

// Everything measure() writes, site by site, with no shared code. A mean-field axis couples
// J sum_x |phi_x - fibre mean|^2 and has no links.
std::vector<double> brute_force(const Lattice& lat, const Field& phi, const StepParams& params) {
    const ActionParams& p = params.action;
    const int n = phi.components(), d = lat.dims();
    const std::int64_t V = lat.volume();
    const double v = static_cast<double>(V);
    std::vector<double> M(n, 0.0);
    double phi2 = 0, phi4 = 0, kin = 0, pot = 0, grad2 = 0, virial = 0, walls = 0, links = 0;
    for (std::int64_t x = 0; x < V; ++x) {
        const double r2 = dot(phi, x, x);
        phi2 += r2;
        phi4 += r2 * r2;
        pot += 0.5 * p.m2 * r2 + 0.25 * p.lambda * r2 * r2;
        for (int a = 0; a < n; ++a) {
            const double f = phi.component(a)[x];
            const double h = p.h[a] + (p.source ? p.source->component(a)[x] : 0.0);
            M[a] += f;
            pot -= h * f;
            // dS/dphi_x^a from the links that exist.
            double dS = p.m2 * f + p.lambda * r2 * f - h;
            for (int mu = 0; mu < d; ++mu) {
                if (mean_axis(p, mu)) {
                    const double mean = fibre_mean(lat, phi, x, mu, a);
                    dS += 2 * p.coupling[mu] * (f - mean);
                    kin += p.coupling[mu] * (f - mean) * (f - mean);
                    continue;
                }
                for (int dir : {+1, -1}) {
                    const std::int64_t y = neighbour(lat, x, mu, dir);
                    if (y >= 0) dS += p.coupling[mu] * (f - phi.component(a)[y]);
                }
            }
            grad2 += dS * dS;
            virial += f * dS;
        }
        for (int mu = 0; mu < d; ++mu) {
            const std::int64_t y = neighbour(lat, x, mu, +1);
            if (y < 0 || mean_axis(p, mu)) continue;
            links += 1;
            walls += dot(phi, x, y) < 0.0 ? 1.0 : 0.0;
            for (int a = 0; a < n; ++a) {
                const double diff = phi.component(a)[y] - phi.component(a)[x];
                kin += 0.5 * p.coupling[mu] * diff * diff;
            }
        }
    }
    double m_sq = 0.0;
    for (int a = 0; a < n; ++a)
        m_sq += (M[a] / v) * (M[a] / v);
    std::vector<double> r;
    for (int a = 0; a < n; ++a)
        r.push_back(M[a] / v);
    for (double q : {std::sqrt(m_sq), m_sq, m_sq * m_sq, phi2 / v, phi4 / v, (kin + pot) / v,
                     kin / v, pot / v, std::sqrt(grad2 / v), links > 0 ? walls / links : 0.0,
                     virial / (n * v * params.temperature), v * m_sq})
        r.push_back(q);
    // S(k_min) along each axis by the direct Fourier sum over sites.
    std::vector<double> s(d, 0.0);
    for (int mu = 0; mu < d; ++mu)
        for (int a = 0; a < n; ++a) {
            double re = 0, im = 0;
            for (std::int64_t x = 0; x < V; ++x) {
                const double k = 2 * std::numbers::pi *
                                 static_cast<double>(lat.coordinates(x)[mu]) /
                                 static_cast<double>(lat.extent(mu));
                re += phi.component(a)[x] * std::cos(k);
                im += phi.component(a)[x] * std::sin(k);
            }
            s[mu] += (re * re + im * im) / v;
        }
    // ξ₂ as the textbook formula when all axes are periodic with one extent.
    double xi2 = std::numeric_limits<double>::quiet_NaN();
    bool cubic_periodic = true;
    for (int mu = 0; mu < d; ++mu)
        cubic_periodic = cubic_periodic && lat.periodic(mu) && !mean_axis(p, mu) &&
                         lat.extent(mu) == lat.extent(0);
    if (cubic_periodic) {
        double sk = 0;
        for (double x : s)
            sk += x / d;
        const double arg = v * m_sq / sk - 1.0;
        if (arg > 0)
            xi2 = std::sqrt(arg) /
                  (2 * std::sin(std::numbers::pi / static_cast<double>(lat.extent(0))));
    } else {
        std::vector<Boundary> b;
        for (int mu = 0; mu < d; ++mu)
            b.push_back(mean_axis(p, mu) ? Boundary::open : lat.boundary(mu));
        xi2 = second_moment_xi(v * m_sq, s, lat.extents(), b);
    }
    r.push_back(xi2);
    r.push_back(params.temperature);
    r.push_back(params.eps);
    r.push_back(p.m2);
    for (int a = 0; a < n; ++a)
        r.push_back(p.h[a]);
    // The Metropolis record of the step before (NaN: no proposal, as for langevin).
    r.push_back(params.accepted);
    r.push_back(params.delta_h);
    r.push_back(std::exp(-params.delta_h));
    r.insert(r.end(), s.begin(), s.end());
    // Correlators by the O(V²) double sum over site pairs at slice distance t; on lattices too
    // large for it, from slice sums gathered site by site (the pairs of slices at distance t).
    std::int64_t L_max = 0;
    for (int mu = 0; mu < d; ++mu)
        L_max = std::max(L_max, lat.extent(mu));
    for (int mu = 0; mu < d; ++mu) {
        const std::int64_t L = lat.extent(mu);
        for (std::int64_t t = 0; t < L_max; ++t) {
            if (t >= L) {
                r.push_back(std::numeric_limits<double>::quiet_NaN());
                continue;
            }
            double c = 0;
            if (V <= 4096) {
                for (std::int64_t x = 0; x < V; ++x)
                    for (std::int64_t y = 0; y < V; ++y) {
                        const std::int64_t dt = lat.coordinates(y)[mu] - lat.coordinates(x)[mu];
                        if (lat.periodic(mu) ? (dt + L) % L == t : dt == t) c += dot(phi, x, y);
                    }
            } else {
                std::vector<double> slice(static_cast<std::size_t>(n * L), 0.0);
                for (std::int64_t x = 0; x < V; ++x)
                    for (int a = 0; a < n; ++a)
                        slice[a * L + lat.coordinates(x)[mu]] += phi.component(a)[x];
                for (std::int64_t s = 0; s < L; ++s) {
                    if (!lat.periodic(mu) && s + t >= L) continue;
                    for (int a = 0; a < n; ++a)
                        c += slice[a * L + s] * slice[a * L + (s + t) % L];
                }
            }
            const double pairs = static_cast<double>(lat.periodic(mu) ? L : L - t);
            r.push_back(c / (v / static_cast<double>(L) * pairs));
        }
    }
    return r;
}

StepParams params_of(const Config& c, double temperature = 0.8) {
    StepParams p;
    p.action =
        resolve_action(c.action, static_cast<int>(c.lattice.dims.size()), c.field.components);
    p.eps = 0.01;
    p.temperature = temperature;
    return p;
}

// with_source: a random site-dependent source h_x on top of h.
void check_against_brute_force(const Config& c, std::uint64_t seed, bool with_source = false) {
    const Lattice lat(c.lattice);
    Field phi(lat, c.field.components);
    randomise(phi, seed);
    Field source(lat, c.field.components);
    randomise(source, seed + 1000, 0.0);
    StepParams params = params_of(c);
    if (with_source) params.action.source = &source;
    const std::vector<double> got = measure(lat, phi, params);
    const std::vector<double> want = brute_force(lat, phi, params);
    const RecordLayout layout(lat, c.field.components);
    REQUIRE(static_cast<int>(got.size()) == record_size(layout));
    REQUIRE(got.size() == want.size());
    std::size_t offset = 0;
    for (const ObservableSpec& s : observable_specs()) {
        for (int i = 0; i < layout.width(s); ++i, ++offset) {
            INFO(s.name << "[" << i << "]: measured " << got[offset] << ", brute force "
                        << want[offset]);
            if (std::isnan(want[offset]))
                REQUIRE(std::isnan(got[offset]));
            else
                REQUIRE(got[offset] == Approx(want[offset]).epsilon(1e-11).margin(1e-12));
        }
    }
}

double
fraction_of_walls(std::vector<std::int64_t> dims, std::vector<Boundary> boundary, int n,
                  const std::function<std::vector<double>(const Lattice&, std::int64_t)>& value) {
    const Config c = lattice_config(std::move(dims), std::move(boundary), n);
    const Lattice lat(c.lattice);
    Field phi(lat, n);
    for (std::int64_t x = 0; x < lat.volume(); ++x) {
        const std::vector<double> v = value(lat, x);
        for (int a = 0; a < n; ++a)
            phi.component(a)[x] = v[a];
    }
    return measure(lat, phi, params_of(c))[record_offset("domain_walls", n)];
}

} // namespace

TEST_CASE("every observable equals its brute-force value on a random configuration",
          "[observables]") {
    using B = Boundary;
    SECTION("2D periodic, N = 1") {
        check_against_brute_force(lattice_config({6, 5}, {B::periodic}, 1), 1);
    }
    SECTION("2D square periodic, N = 1 (textbook xi2)") {
        check_against_brute_force(lattice_config({6, 6}, {B::periodic}, 1), 2);
    }
    SECTION("3D mixed boundaries, N = 3") {
        check_against_brute_force(lattice_config({4, 6, 5}, {B::periodic, B::open, B::periodic}, 3),
                                  3);
    }
    SECTION("1D open, N = 2") {
        check_against_brute_force(lattice_config({7}, {B::open}, 2), 4);
    }
    SECTION("4D periodic, N = 1") {
        check_against_brute_force(lattice_config({3, 4, 2, 5}, {B::periodic}, 1), 5);
    }
    SECTION("3D with a mean-field axis, N = 2") {
        Config c = lattice_config({4, 5, 6}, {B::periodic}, 2);
        c.action.coupling_kind = {CouplingKind::nearest, CouplingKind::mean, CouplingKind::nearest};
        check_against_brute_force(c, 8);
    }
    SECTION("2D, mean-field along the rows, open slow axis") {
        Config c = lattice_config({5, 7}, {B::open, B::periodic}, 1);
        c.action.coupling_kind = {CouplingKind::nearest, CouplingKind::mean};
        check_against_brute_force(c, 9);
    }
    SECTION("rows longer than a tile, open last axis, N = 2") {
        check_against_brute_force(lattice_config({3, 300}, {B::periodic, B::open}, 2), 6);
    }
    SECTION("site-dependent source, 3D mixed boundaries, N = 2") {
        check_against_brute_force(
            lattice_config({5, 3, 13}, {B::open, B::periodic, B::periodic}, 2), 10, true);
    }
    SECTION("site-dependent source, 2D, N = 1") {
        check_against_brute_force(lattice_config({7, 19}, {B::periodic}, 1), 11, true);
    }
    SECTION("many rows summed per group (large lattice), N = 1") {
        // 2D 300 x 520: the row axis' column sums make each group hold several rows.
        check_against_brute_force(lattice_config({300, 520}, {B::periodic, B::open}, 1), 12, true);
    }
    SECTION("many rows per group, 3D with a mean-field axis, N = 2") {
        Config c = lattice_config({40, 20, 130}, {B::periodic, B::open, B::periodic}, 2);
        c.action.coupling_kind = {CouplingKind::nearest, CouplingKind::mean, CouplingKind::nearest};
        check_against_brute_force(c, 13);
    }
    SECTION("all open, N = 1: xi2 undefined") {
        const Config c = lattice_config({5, 4}, {B::open}, 1);
        check_against_brute_force(c, 7);
        const Lattice lat(c.lattice);
        Field phi(lat, 1);
        randomise(phi, 7);
        REQUIRE(std::isnan(measure(lat, phi, params_of(c))[record_offset("xi2", 1)]));
    }
}

TEST_CASE("the file's last record equals the brute force on its saved configuration",
          "[observables][output]") {
    // Through the program: the writer's flattening of [d] and [d, L_max] rows, and the
    // parameters in force, on a 3D lattice with mixed boundaries and unequal extents, N = 2.
    Scratch s("saved-configuration");
    const std::string deck = s.write("mixed.ini", R"([lattice]
dims = 4 6 5
boundary = periodic open periodic
[field]
components = 2
init = hot
[action]
m2 = -0.8
lambda = 0.7
coupling = 1.0 0.6 1.2
h = 0.05 0
[dynamics]
method = langevin
step = 0.02
temperature = 0.9
steps = 50
[measure]
every = 10
)");
    REQUIRE(run_ssbsim(s, "run mixed.ini -o mixed.h5").status == 0);
    const Config c = load_deck_text(slurp(deck), {}, "mixed.ini");
    const Lattice lat(c.lattice);
    const h5::File f = h5::File::open_read(s.path("mixed.h5"));
    const h5::Group root = f.root();
    const h5::Dataset field = root.open_dataset("configurations/field");
    const std::uint64_t saved = field.shape().at(0);
    Field phi(lat, 2);
    phi.assign_site_major(field.read_rows_double(saved - 1, 1));
    StepParams params;
    params.action = resolve_action(c.action, lat.dims(), 2);
    params.eps = c.dynamics.step;
    params.temperature = c.dynamics.temperature;
    const std::vector<double> want = brute_force(lat, phi, params);
    const RecordLayout layout(lat, 2);
    const h5::Group obs = root.open_group("observables");
    REQUIRE(obs.open_dataset("step").read_int64().back() == 50);
    std::size_t offset = 0;
    for (const ObservableSpec& spec : observable_specs()) {
        const h5::Dataset d = obs.open_dataset(spec.name);
        const std::vector<std::uint64_t> shape = d.shape();
        REQUIRE(std::vector<std::uint64_t>(shape.begin() + 1, shape.end()) ==
                layout.row_shape(spec));
        const std::vector<double> row = d.read_rows_double(shape[0] - 1, 1);
        for (std::size_t i = 0; i < row.size(); ++i, ++offset) {
            INFO(spec.name << "[" << i << "]: file " << row[i] << ", brute force " << want[offset]);
            if (std::isnan(want[offset]))
                REQUIRE(std::isnan(row[i]));
            else
                REQUIRE(row[i] == Approx(want[offset]).epsilon(1e-11).margin(1e-12));
        }
    }
    REQUIRE(offset == want.size());
    REQUIRE(obs.open_dataset("correlator").read_attr_strings("boundary") ==
            std::vector<std::string>{"periodic", "open", "periodic"});
}

TEST_CASE("the record layout: shapes, offsets and the divergence check", "[observables]") {
    const Lattice lat({8, 6, 4}, {Boundary::periodic});
    const RecordLayout layout(lat, 2);
    for (const ObservableSpec& s : observable_specs()) {
        INFO(s.name);
        REQUIRE(std::string(s.description).size() > 10);
        REQUIRE(std::string(s.units).size() > 0);
    }
    const auto spec = [](const char* name) {
        for (const ObservableSpec& s : observable_specs())
            if (std::strcmp(s.name, name) == 0) return s;
        throw std::logic_error(name);
    };
    REQUIRE(layout.row_shape(spec("correlator")) == std::vector<std::uint64_t>{3, 8});
    REQUIRE(layout.row_shape(spec("structure_factor")) == std::vector<std::uint64_t>{3});
    REQUIRE(layout.row_shape(spec("magnetization")) == std::vector<std::uint64_t>{2});
    // N alone locates everything before the lattice-shaped observables.
    REQUIRE(record_offset("action", 2) == record_offset("action", layout));
    REQUIRE_THROWS_AS(record_offset("correlator", 2), std::logic_error);
    REQUIRE_THROWS_AS(record_offset("no_such_thing", layout), std::out_of_range);

    Field phi(lat, 2);
    randomise(phi, 11);
    Config c = lattice_config({8, 6, 4}, {Boundary::periodic}, 2);
    std::vector<double> record = measure(lat, phi, params_of(c));
    // Correlator padding beyond an axis's extent is NaN and allowed; a NaN action is not.
    REQUIRE(std::isnan(record[record_offset("correlator", layout) + 2 * 8 + 5]));
    REQUIRE(nonfinite_observable(record, layout) == nullptr);
    record[record_offset("action", layout)] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE(std::string(nonfinite_observable(record, layout)) == "action");
}

TEST_CASE("domain walls on hand-made configurations", "[observables]") {
    using B = Boundary;
    const auto kink = [](const Lattice& lat, std::int64_t x) {
        return std::vector<double>{lat.coordinates(x)[0] < 4 ? 1.0 : -1.0};
    };
    // + + + + - - - -: two walls on the ring of 8 links, one on the open chain of 7.
    REQUIRE(fraction_of_walls({8}, {B::periodic}, 1, kink) == 0.25);
    REQUIRE(fraction_of_walls({8}, {B::open}, 1, kink) == 1.0 / 7.0);
    // Stripes in 2D: walls only on the links along axis 0; 8 of 32 periodic links, 4 of 24 open.
    REQUIRE(fraction_of_walls({8, 4}, {B::periodic}, 1, kink) == 8.0 / 64.0);
    REQUIRE(fraction_of_walls({8, 4}, {B::open}, 1, kink) == 4.0 / (7 * 4 + 8 * 3));
    const auto checkerboard = [](const Lattice& lat, std::int64_t x) {
        const auto c = lat.coordinates(x);
        return std::vector<double>{(c[0] + c[1]) % 2 == 0 ? 0.5 : -2.0};
    };
    REQUIRE(fraction_of_walls({4, 6}, {B::periodic}, 1, checkerboard) == 1.0);
    REQUIRE(fraction_of_walls({4, 6}, {B::open}, 1, checkerboard) == 1.0);
    // A field of zeros has no walls (phi_x.phi_y = 0 is not < 0).
    REQUIRE(fraction_of_walls({4, 6}, {B::periodic}, 1, [](const Lattice&, std::int64_t) {
                return std::vector<double>{0.0};
            }) == 0.0);
    // O(2) winding: 45 degree turns are no walls, 120 degree turns all are.
    const auto winding = [](const Lattice& lat, std::int64_t x) {
        const double theta = 2 * std::numbers::pi * static_cast<double>(lat.coordinates(x)[0]) /
                             static_cast<double>(lat.extent(0));
        return std::vector<double>{std::cos(theta), std::sin(theta)};
    };
    REQUIRE(fraction_of_walls({8}, {B::periodic}, 2, winding) == 0.0);
    REQUIRE(fraction_of_walls({3}, {B::periodic}, 2, winding) == 1.0);
}

TEST_CASE("a record has the same bits for 1 and 2 threads", "[observables]") {
    const Config c = lattice_config({128, 96}, {Boundary::periodic, Boundary::open}, 2);
    const Lattice lat(c.lattice);
    Field phi(lat, 2);
    randomise(phi, 21);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const std::vector<double> one = measure(lat, phi, params_of(c));
    omp_set_num_threads(2);
    const std::vector<double> two = measure(lat, phi, params_of(c));
    omp_set_num_threads(threads);
    REQUIRE(one.size() == two.size());
    REQUIRE(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
}

TEST_CASE("a record has the same bits for 1 and 2 threads when groups hold many rows",
          "[observables]") {
    using B = Boundary;
    for (const int n : {1, 3}) {
        Config c = lattice_config({64, 6, 533}, {B::periodic, B::open, B::periodic}, n);
        c.action.coupling_kind = {CouplingKind::nearest, CouplingKind::nearest,
                                  n == 1 ? CouplingKind::mean : CouplingKind::nearest};
        const Lattice lat(c.lattice);
        Field phi(lat, n), source(lat, n);
        randomise(phi, 22);
        randomise(source, 23, 0.0);
        StepParams params = params_of(c);
        params.action.source = &source;
        const int threads = omp_get_max_threads();
        omp_set_num_threads(1);
        const std::vector<double> one = measure(lat, phi, params);
        omp_set_num_threads(2);
        const std::vector<double> two = measure(lat, phi, params);
        omp_set_num_threads(threads);
        REQUIRE(one.size() == two.size());
        REQUIRE(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
    }
}

TEST_CASE("Schwinger-Dyson at T = 0 is the finite virial", "[observables]") {
    const Config c = lattice_config({6, 5}, {Boundary::periodic}, 1);
    const Lattice lat(c.lattice);
    Field phi(lat, 1);
    randomise(phi, 5);
    const double at_t = measure(lat, phi, params_of(c, 0.5))[record_offset("schwinger_dyson", 1)];
    const double at_zero =
        measure(lat, phi, params_of(c, 0.0))[record_offset("schwinger_dyson", 1)];
    REQUIRE(std::isfinite(at_zero));
    REQUIRE(at_zero == Approx(0.5 * at_t).epsilon(1e-14));
}

namespace {

// φ' = a φ + b ξ per mode for the Batrouni scheme (see test_dynamics): stationary variance.
double langevin2_variance(double k, double eps) {
    const double z = eps * k, a = 1.0 - z + 0.5 * z * z, b = 1.0 - 0.5 * z;
    return 2.0 * eps * b * b / (1.0 - a * a);
}

double em_variance(double k, double eps) {
    return 1.0 / (k * (1.0 - 0.5 * eps * k));
}

// Measures the named observables every `every` steps after `thermalise` steps.
std::vector<std::vector<double>> run_series(const Config& c, std::vector<const char*> names,
                                            std::int64_t thermalise, std::int64_t n,
                                            std::int64_t every) {
    Simulation sim(c, cold_field(c));
    for (std::int64_t i = 0; i < thermalise; ++i)
        sim.advance();
    const RecordLayout layout(sim.lattice(), c.field.components);
    std::vector<std::vector<double>> out(names.size());
    for (std::int64_t k = 0; k < n; ++k) {
        for (std::int64_t i = 0; i < every; ++i)
            sim.advance();
        const std::vector<double> r = sim.measure();
        for (std::size_t j = 0; j < names.size(); ++j)
            out[j].push_back(r[record_offset(names[j], layout)]);
    }
    return out;
}

} // namespace

TEST_CASE("free field: Schwinger-Dyson estimator equals its exact per-mode value",
          "[observables][physics]") {
    // <phi dS/dphi> per mode is k v(k): 1/(1 - eps k/2) for Euler-Maruyama, which the data must
    // resolve; k v2(k) = 1 - O(eps^2) for langevin2.
    for (const Method method : {Method::langevin, Method::langevin2}) {
        const double eps = 0.1, m2 = 0.5;
        const Config c = free_config({8, 8}, m2, method, eps);
        const auto s = run_series(c, {"schwinger_dyson"}, 200, 20000, 2);
        const stats::GammaResult r = stats::gamma_method(s[0]);
        const double exact = mode_average(8, 2, m2, [&](double k) {
            return k *
                   (method == Method::langevin ? em_variance(k, eps) : langevin2_variance(k, eps));
        });
        INFO((method == Method::langevin ? "langevin" : "langevin2")
             << ": " << r.mean << " +- " << r.error << ", exact " << exact);
        CHECK(std::abs(r.mean - exact) < 3.5 * r.error);
        CHECK(std::abs(r.mean - 1.0) > 5.0 * r.error); // the bias at eps = 0.1 is resolved
    }
}

TEST_CASE("Schwinger-Dyson = 1 within errors for langevin2 at small eps, free and interacting",
          "[observables][physics]") {
    struct Case {
        double m2, lambda;
        std::vector<std::int64_t> dims;
        int components;
    };
    for (const Case& k : {Case{0.5, 0.0, {16, 16}, 1}, Case{-1.0, 1.0, {16, 16}, 1},
                          Case{-0.5, 0.5, {6, 6, 6}, 2}}) {
        Config c = free_config(k.dims, k.m2, Method::langevin2, 0.01);
        c.action.lambda = k.lambda;
        c.field.components = k.components;
        c.field.init_value.assign(k.components, 0.0);
        c.action.h.assign(k.components, 0.0);
        // The O(eps^2) bias, ~ eps^2 <k^2>/4 < 1e-3 here, stays below half the error; the
        // O(eps) bias of Euler-Maruyama, eps <k>/2 ~ 0.03, would be 10 errors.
        const auto s = run_series(c, {"schwinger_dyson"}, 2000, 12000, 5);
        const stats::GammaResult r = stats::gamma_method(s[0]);
        INFO("m2 = " << k.m2 << ", lambda = " << k.lambda << ", d = " << k.dims.size()
                     << ", N = " << k.components << ": " << r.mean << " +- " << r.error
                     << " (tau_int " << r.tau_int << ")");
        CHECK(std::abs(r.mean - 1.0) < 3.0 * r.error);
        CHECK(r.error < 0.003);
    }
}

TEST_CASE("docs/observables.md is the table the program writes", "[observables][docs]") {
    std::ostringstream generated;
    ssbsim::print_observables(generated);
    std::ifstream in(SSBSIM_SOURCE_DIR "/docs/observables.md");
    std::stringstream file;
    file << in.rdbuf();
    INFO("regenerate with: ssbsim observables > docs/observables.md");
    REQUIRE(file.str() == generated.str());
}
