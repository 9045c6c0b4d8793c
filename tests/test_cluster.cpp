// Tests of include/ssbsim/dynamics/cluster.hpp: the cluster update alone samples the exact
// distribution of the embedded Ising spins on a tiny lattice (enumerated), for N = 1 and for
// N = 3 along a fixed direction, Swendsen–Wang and Wolff; combined with HMC it reproduces the
// published 2D point of Schaich & Loinaz (PRD 79, 056008 (2009)); identical bits for 1 and 2
// threads and after a restart (also with momentum's cached force); the deck's refusals.
#include "cli.hpp"
#include "samplers.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/cluster.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <omp.h>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

struct Link {
    std::int64_t x, y;
    int mu;
};

// The nearest-neighbour links of a lattice, from coordinates (independent of cluster.cpp).
std::vector<Link> links_of(const Lattice& lat) {
    std::vector<Link> out;
    for (std::int64_t x = 0; x < lat.volume(); ++x)
        for (int mu = 0; mu < lat.dims(); ++mu) {
            auto c = lat.coordinates(x);
            if (c[mu] + 1 == lat.extent(mu) && !lat.periodic(mu)) continue;
            c[mu] = (c[mu] + 1) % lat.extent(mu);
            out.push_back({x, lat.site(c), mu});
        }
    return out;
}

double projection(const Field& phi, std::int64_t x, const std::vector<double>& r) {
    double s = 0.0;
    for (int c = 0; c < phi.components(); ++c)
        s += r[static_cast<std::size_t>(c)] * phi.component(c)[x];
    return s;
}

// Σ_links J a_x a_y and (Σ_x a_x)²: the embedded Ising energy (up to sign and T) and magnetisation.
std::pair<double, double> embedded(const Lattice& lat, const ActionParams& p, const Field& phi,
                                   const std::vector<double>& r, const std::vector<Link>& links) {
    double e = 0.0, m = 0.0;
    for (const Link& l : links)
        e += p.coupling[l.mu] * projection(phi, l.x, r) * projection(phi, l.y, r);
    for (std::int64_t x = 0; x < lat.volume(); ++x)
        m += projection(phi, x, r);
    return {e, m * m};
}

} // namespace

TEST_CASE("a cluster update alone samples the exact embedded-spin distribution", "[cluster]") {
    // 3 x 2, periodic x open: 6 sites, 9 links, 64 sign states, enumerated exactly.
    const Lattice lat({3, 2}, {Boundary::periodic, Boundary::open});
    const std::vector<Link> links = links_of(lat);
    REQUIRE(links.size() == 9);
    ActionParams p;
    p.m2 = -0.5;
    p.lambda = 0.6;
    p.coupling = {0.7, 1.1};
    p.kind = {CouplingKind::nearest, CouplingKind::nearest};
    const double T = 0.8;
    for (const int n : {1, 3})
        for (const ClusterKind kind : {ClusterKind::sw, ClusterKind::wolff}) {
            p.h.assign(static_cast<std::size_t>(n), 0.0);
            std::vector<double> r(static_cast<std::size_t>(n), 0.0);
            r[0] = 1.0;
            if (n == 3) r = {0.6, -0.48, 0.64}; // a unit vector off the axes
            Field phi = random_field(lat, n, 21, 1.0);
            // The exact law: with |a_x| and the components normal to r fixed, the weight of the
            // signs s is exp(Σ_links J s_x s_y |a_x a_y| / T) (the rest of S does not change).
            std::vector<double> abs_a(6);
            for (std::int64_t x = 0; x < 6; ++x)
                abs_a[x] = std::abs(projection(phi, x, r));
            double z = 0.0, e_exact = 0.0, m2_exact = 0.0;
            for (int s = 0; s < 64; ++s) {
                auto spin = [&](std::int64_t x) { return (s >> x) & 1 ? -1.0 : 1.0; };
                double e = 0.0, m = 0.0;
                for (const Link& l : links)
                    e += p.coupling[l.mu] * spin(l.x) * spin(l.y) * abs_a[l.x] * abs_a[l.y];
                for (std::int64_t x = 0; x < 6; ++x)
                    m += spin(x) * abs_a[x];
                const double w = std::exp(e / T);
                z += w;
                e_exact += w * e;
                m2_exact += w * m * m;
            }
            e_exact /= z;
            m2_exact /= z;
            std::vector<double> e_series, m2_series;
            for (std::uint64_t step = 0; step < 60000; ++step) {
                cluster_update_along(lat, p, T, kind, {3, 0}, step, r, phi);
                const auto [e, m2] = embedded(lat, p, phi, r, links);
                e_series.push_back(e);
                m2_series.push_back(m2);
            }
            const auto e = stats::gamma_method(e_series), m2 = stats::gamma_method(m2_series);
            INFO("N = " << n << (kind == ClusterKind::sw ? " sw" : " wolff") << ": E " << e.mean
                        << " +- " << e.error << " (exact " << e_exact << "), M^2 " << m2.mean
                        << " +- " << m2.error << " (exact " << m2_exact << ")");
            CHECK(std::abs(e.mean - e_exact) < 4.0 * e.error);
            CHECK(std::abs(m2.mean - m2_exact) < 4.0 * m2.error);
            // The magnitudes never change: only signs along r are flipped.
            for (std::int64_t x = 0; x < 6; ++x)
                CHECK(std::abs(projection(phi, x, r)) == Approx(abs_a[x]).epsilon(1e-12));
        }
}

namespace {

// Schaich & Loinaz, PRD 79, 056008 (2009) (reference runs of github.com/daschaich/2d_phi4):
// 32², λ = 0.5, m² = −0.7 (mass form, J = 1): ⟨S/V⟩ = 0.35903(98), ⟨|M|⟩ = 0.4346(64).
void check_schaich_loinaz(ClusterKind kind, int trajectories) {
    Config c = published_point(Method::hmc, 0.25, 4);
    c.dynamics.cluster_every = 1;
    c.dynamics.cluster_kind = kind;
    check_published_point(c, trajectories, kind == ClusterKind::sw ? "sw" : "wolff");
}

} // namespace

TEST_CASE("HMC + cluster updates reproduce Schaich & Loinaz's 32^2 point (short)", "[cluster]") {
    check_schaich_loinaz(ClusterKind::sw, 3000);
}

TEST_CASE("HMC + cluster updates reproduce Schaich & Loinaz's 32^2 point", "[cluster][long]") {
    check_schaich_loinaz(ClusterKind::sw, 100000);
    check_schaich_loinaz(ClusterKind::wolff, 100000);
}

TEST_CASE("cluster updates: identical bits for 1 and 2 threads and after a restart",
          "[cluster][bitwise]") {
    for (const Method method : {Method::langevin, Method::momentum})
        for (const ClusterKind kind : {ClusterKind::sw, ClusterKind::wolff}) {
            // 128 x 96 = 12288 sites: the sweeps and the SW passes run on both threads.
            Config c = free_config({128, 96}, -1.0, method, 0.05);
            c.lattice.boundary = {Boundary::periodic, Boundary::open};
            c.field.components = 2;
            c.action.lambda = 0.5;
            c.action.coupling = {1.0, 0.7};
            c.action.h = {0.0, 0.0};
            c.dynamics.cluster_every = 2;
            c.dynamics.cluster_kind = kind;
            INFO(static_cast<int>(method) << " " << static_cast<int>(kind));
            auto run = [&](int threads, int steps) {
                omp_set_num_threads(threads);
                auto sim = std::make_unique<Simulation>(c, cold_field(c, 0.4));
                for (int i = 0; i < steps; ++i)
                    sim->advance();
                omp_set_num_threads(omp_get_num_procs());
                return sim;
            };
            const auto one = run(1, 9), two = run(2, 9);
            REQUIRE(one->state().phi[0].bitwise_equal(two->state().phi[0]));
            // The cluster updates did something: the run differs from one without them.
            Config plain = c;
            plain.dynamics.cluster_every = 0;
            Simulation without(plain, cold_field(c, 0.4));
            for (int i = 0; i < 9; ++i)
                without.advance();
            REQUIRE_FALSE(without.state().phi[0].bitwise_equal(one->state().phi[0]));
            // A restart after 5 steps (a checkpoint's State; momentum's force is recomputed)
            // continues with the same bits.
            const auto mid = run(2, 5);
            State s;
            s.phi.emplace_back(mid->lattice(), 2);
            s.phi[0].copy_from(mid->state().phi[0]);
            for (const Field& p : mid->state().momentum) {
                s.momentum.emplace_back(mid->lattice(), 2);
                s.momentum.back().copy_from(p);
            }
            s.step = mid->state().step;
            s.time = mid->state().time;
            s.next_eps = mid->state().next_eps;
            Simulation resumed(c, std::move(s));
            for (int i = 5; i < 9; ++i)
                resumed.advance();
            REQUIRE(resumed.state().phi[0].bitwise_equal(one->state().phi[0]));
        }
}

TEST_CASE("the deck refuses cluster updates where they are not exact", "[cluster][errors]") {
    const std::string deck = "[run]\noutput = x.h5\n[lattice]\ndims = 8 8\n[dynamics]\n"
                             "method = langevin\nstep = 0.05\nsteps = 10\ncluster_every = 2\n";
    auto refused = [&](const std::string& text, const std::vector<std::string>& overrides,
                       const std::string& what) {
        INFO(what);
        REQUIRE_THROWS_WITH(load_deck_text(text, overrides, "test.ini"), Catch::Contains(what));
    };
    const Config ok = load_deck_text(deck, {"dynamics.cluster_kind=sw"}, "test.ini");
    REQUIRE(ok.dynamics.cluster_every == 2);
    REQUIRE(ok.dynamics.cluster_kind == ClusterKind::sw);
    refused(deck, {"action.coupling_kind=nearest mean"}, "action.coupling_kind = mean");
    refused(deck, {"action.h=0.1"}, "a cluster flip reflects phi");
    refused(deck, {"schedule.h=linear 0 0.1"}, "a cluster flip reflects phi");
    refused(deck, {"action.h_source=random"}, "a cluster flip reflects phi");
    refused(deck, {"dynamics.temperature=0"}, "whose cluster updates sample exp(-S/T)");
    refused(deck, {"dynamics.method=flow"}, "gradient flow has no temperature");
    refused(deck, {"dynamics.cluster_every=0", "dynamics.cluster_kind=sw"},
            "dynamics.cluster_kind");
    refused("[run]\noutput = x.h5\n[network]\ndepth = 3\nwidth = 4\n[dynamics]\nmethod = "
            "langevin\nsteps = 10\ncluster_every = 1\n",
            {}, "action.coupling_kind = mean");
}

TEST_CASE("critical slowing down: z of hmc + sw is small, z of momentum is model A's",
          "[cluster][python][long]") {
    // scripts/critical_slowing.py at the 2D critical point on 16^2-64^2 with 3x its default run
    // length (~300 tau_int per point, ~3 minutes): the cluster combination's z is near the
    // Swendsen-Wang value 0.2-0.4 (docs/performance.md: 0.39(15) over 16-128) and far below
    // BAOAB's (1.65(23) there; model A: 2.17), and at 64^2 it needs >= 20x fewer force
    // evaluations per independent sample. Bounds are the measured values +- 2-3 sigma.
    Scratch s("critical-slowing-long");
    const std::string cmd = std::string(SSBSIM_PYTHON) + " '" + SSBSIM_SOURCE_DIR +
                            "/scripts/critical_slowing.py' --ssbsim '" + SSBSIM_BINARY +
                            "' --sizes 16 32 64 --scale 3 --jobs 2 --methods 'hmc + sw' momentum "
                            "--work '" +
                            s.path("work") + "' --json '" + s.path("z.json") + "' > '" +
                            s.path("table.md") + "' 2> /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    INFO(slurp(s.path("table.md")));
    const std::string z = "z.json";
    CHECK(py_number(s, z, "d['fits']['hmc + sw']['z']") < 0.8);
    CHECK(py_number(s, z, "d['fits']['momentum']['z']") > 1.3);
    const double ratio = py_number(s, z,
                                   "[r['tau_forces'] for r in d['rows'] if r['L'] == 64 and "
                                   "r['method'] == 'momentum'][0] / [r['tau_forces'] for r in "
                                   "d['rows'] if r['L'] == 64 and r['method'] == 'hmc + sw'][0]");
    CHECK(ratio > 20.0);
}

TEST_CASE("scripts/critical_slowing.py measures tau_int and z of hmc + sw", "[cluster][python]") {
    // L = 4 and 8, a few thousand trajectories: the table has its rows and the fitted z of the
    // cluster combination is small (docs/performance.md has the full measurement).
    Scratch s("critical-slowing");
    const std::string cmd = std::string(SSBSIM_PYTHON) + " '" + SSBSIM_SOURCE_DIR +
                            "/scripts/critical_slowing.py' --ssbsim '" + SSBSIM_BINARY +
                            "' --sizes 4 8 --scale 0.5 --methods 'hmc + sw' --work '" +
                            s.path("work") + "' > '" + s.path("table.md") + "' 2> /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string table = slurp(s.path("table.md"));
    INFO(table);
    REQUIRE(table.find("| hmc + sw | 4 |") != std::string::npos);
    REQUIRE(table.find("| hmc + sw | 8 |") != std::string::npos);
    const auto at = table.find("- hmc + sw: z = ");
    REQUIRE(at != std::string::npos);
    const double z = std::stod(table.substr(at + 16));
    CHECK(z > -1.0);
    CHECK(z < 1.5);
}
