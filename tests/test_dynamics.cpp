// Integrators against exact results: Euler–Maruyama and the second-order scheme on the Gaussian
// free field (exact per-mode stationary variances), gradient flow on plane waves (exact RK
// amplification factors and convergence order), single-site integrals by quadrature, and the
// bitwise invariants (thread count, T = 0 Langevin = flow, a symmetric start stays symmetric);
// [training] noise = shared (a symmetric start stays symmetric) and dropout (mask statistics).
#include "dynamics/sweep.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/deck/deck.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <numbers>
#include <omp.h>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

// The mean of a series with its autocorrelation-aware error (Wolff's Γ-method).
stats::GammaResult estimate(const std::vector<double>& s) {
    return stats::gamma_method(s);
}

double em_variance(double k, double eps) {
    return 1.0 / (k * (1.0 - 0.5 * eps * k));
}

// φ' = a φ + b ξ per mode for the Batrouni scheme: a = 1 − z + z²/2, b² = 2ε(1 − z/2)², z = εk.
double langevin2_variance(double k, double eps) {
    const double z = eps * k, a = 1.0 - z + 0.5 * z * z, b = 1.0 - 0.5 * z;
    return 2.0 * eps * b * b / (1.0 - a * a);
}

} // namespace

TEST_CASE("exact free-field reference values are reproduced by the mode sums", "[dynamics]") {
    // Guards the test's own exact formulas against the reference file.
    REQUIRE(mode_average(8, 2, 1.0, [](double k) { return 1.0 / k; }) ==
            Approx(0.2541739977).epsilon(1e-9));
    REQUIRE(mode_average(8, 2, 1.0, [](double k) { return em_variance(k, 0.1); }) ==
            Approx(0.3220757335).epsilon(1e-9));
    REQUIRE(mode_average(8, 2, 1.0, [](double k) { return em_variance(k, 0.05); }) ==
            Approx(0.2828394).epsilon(1e-6));
}

TEST_CASE("Euler-Maruyama samples the exact biased free-field variance", "[dynamics]") {
    for (double eps : {0.1, 0.05}) {
        Simulation sim(free_config({8, 8}, 1.0, Method::langevin, eps),
                       cold_field(free_config({8, 8}, 1.0, Method::langevin, eps)));
        const auto r = estimate(series(sim, "phi2", 500, 60000, 2));
        const double exact = mode_average(8, 2, 1.0, [&](double k) { return em_variance(k, eps); });
        INFO("eps " << eps << ": " << r.mean << " +- " << r.error << ", exact " << exact);
        CHECK(std::abs(r.mean - exact) < 4.0 * r.error);
        // The bias is resolved: the continuum value 0.2541739977 is excluded.
        CHECK(std::abs(r.mean - 0.2541739977) > 4.0 * r.error);
    }
}

TEST_CASE("langevin2 samples its exact O(eps^2) variance, closer than Euler-Maruyama",
          "[dynamics]") {
    const double eps = 0.1, exact = 0.2541739977;
    auto cfg = free_config({8, 8}, 1.0, Method::langevin2, eps);
    Simulation sim(cfg, cold_field(cfg));
    const auto r = estimate(series(sim, "phi2", 500, 60000, 2));
    const double predicted =
        mode_average(8, 2, 1.0, [&](double k) { return langevin2_variance(k, eps); });
    const double em = mode_average(8, 2, 1.0, [&](double k) { return em_variance(k, eps); });
    INFO(r.mean << " +- " << r.error << ", scheme's exact " << predicted);
    CHECK(std::abs(r.mean - predicted) < 4.0 * r.error);
    CHECK(std::abs(r.mean - exact) + 4.0 * r.error < std::abs(em - exact));
}

TEST_CASE("BAOAB (method = momentum) samples the exact free field at eps = 0.1", "[dynamics]") {
    const double eps = 0.1, exact = 0.2541739977;
    auto cfg = free_config({8, 8}, 1.0, Method::momentum, eps);
    cfg.dynamics.friction = 1.0;
    Simulation sim(cfg, cold_field(cfg));
    const auto r = estimate(series(sim, "phi2", 500, 40000, 2));
    const double em = mode_average(8, 2, 1.0, [&](double k) { return em_variance(k, eps); });
    INFO(r.mean << " +- " << r.error << " (tau_int " << r.tau_int << "), exact " << exact);
    CHECK(std::abs(r.mean - exact) < 4.0 * r.error);
    // Euler-Maruyama at the same step is visibly biased: its value is excluded.
    CHECK(std::abs(r.mean - em) > 10.0 * r.error);
}

namespace {

// Projection of a field on cos(p·x) with p = 2π n / L.
double mode_amplitude(const Lattice& lat, const Field& phi, const std::array<int, 2>& n) {
    double num = 0.0, den = 0.0;
    for (std::int64_t s = 0; s < lat.volume(); ++s) {
        const auto x = lat.coordinates(s);
        const double c =
            std::cos(2.0 * std::numbers::pi * (n[0] * x[0] + n[1] * x[1]) / lat.extent(0));
        num += phi.component(0)[s] * c;
        den += c * c;
    }
    return num / den;
}

struct FlowRun {
    std::vector<double> amplitudes; // per mode, at the final time
    std::vector<double> k;          // p̂² + m² per mode
};

const std::vector<std::array<int, 2>> flow_modes = {{0, 0}, {1, 0}, {2, 3}, {5, 7}, {8, 8}};

FlowRun flow_plane_waves(Method method, double eps, double t_end, double m2 = 0.5) {
    auto cfg = free_config({16, 16}, m2, method, eps);
    const Lattice lat(cfg.lattice);
    Field phi(lat, 1);
    FlowRun out;
    for (const auto& n : flow_modes) {
        double k = m2;
        for (int c : n)
            k += 4.0 * std::pow(std::sin(std::numbers::pi * c / 16), 2);
        out.k.push_back(k);
        for (std::int64_t s = 0; s < lat.volume(); ++s) {
            const auto x = lat.coordinates(s);
            phi.component(0)[s] +=
                std::cos(2.0 * std::numbers::pi * (n[0] * x[0] + n[1] * x[1]) / 16);
        }
    }
    Simulation sim(cfg, std::move(phi));
    while (sim.state().time < t_end - 1e-12)
        sim.advance();
    for (const auto& n : flow_modes)
        out.amplitudes.push_back(mode_amplitude(lat, sim.state().phi[0], n));
    return out;
}

} // namespace

TEST_CASE("free gradient flow: Euler and RK3 give their exact amplification per mode",
          "[dynamics]") {
    const double eps = 0.05, t = 1.0;
    const int steps = 20;
    const auto euler = flow_plane_waves(Method::flow, eps, t);
    const auto rk3 = flow_plane_waves(Method::flow_rk3, eps, t);
    for (std::size_t m = 0; m < flow_modes.size(); ++m) {
        const double z = eps * euler.k[m];
        CHECK(euler.amplitudes[m] == Approx(std::pow(1.0 - z, steps)).epsilon(1e-12).margin(1e-14));
        CHECK(rk3.amplitudes[m] == Approx(std::pow(1.0 - z + z * z / 2 - z * z * z / 6, steps))
                                       .epsilon(1e-12)
                                       .margin(1e-14));
    }
}

TEST_CASE("free gradient flow converges to exp(-(p^2+m^2) t): RK3 third order, Euler first",
          "[dynamics]") {
    const double t = 1.0;
    auto max_error = [&](Method method, double eps) {
        const auto run = flow_plane_waves(method, eps, t);
        double err = 0.0;
        for (std::size_t m = 0; m < flow_modes.size(); ++m)
            err = std::max(err, std::abs(run.amplitudes[m] - std::exp(-run.k[m] * t)));
        return err;
    };
    const double rk_ratio = max_error(Method::flow_rk3, 0.05) / max_error(Method::flow_rk3, 0.025);
    const double euler_ratio = max_error(Method::flow, 0.05) / max_error(Method::flow, 0.025);
    INFO("RK3 error ratio " << rk_ratio << ", Euler " << euler_ratio);
    CHECK(rk_ratio > 7.0);
    CHECK(rk_ratio < 9.5);
    CHECK(euler_ratio > 1.8);
    CHECK(euler_ratio < 2.3);
}

TEST_CASE("adaptive flow meets its tolerance and adapts the step", "[dynamics]") {
    for (double tol : {1e-4, 1e-7}) {
        auto cfg = free_config({16, 16}, 0.5, Method::flow_adaptive, 0.01);
        cfg.dynamics.tolerance = tol;
        const Lattice lat(cfg.lattice);
        Field phi(lat, 1);
        for (std::int64_t s = 0; s < lat.volume(); ++s) {
            const auto x = lat.coordinates(s);
            phi.component(0)[s] = std::cos(2.0 * std::numbers::pi * (2 * x[0] + 3 * x[1]) / 16);
        }
        double k = 0.5 + 4.0 * (std::pow(std::sin(2 * std::numbers::pi / 16), 2) +
                                std::pow(std::sin(3 * std::numbers::pi / 16), 2));
        Simulation sim(cfg, std::move(phi));
        int steps = 0;
        while (sim.state().time < 2.0) {
            sim.advance();
            ++steps;
        }
        const double amp = mode_amplitude(lat, sim.state().phi[0], {2, 3});
        const double exact = std::exp(-k * sim.state().time);
        INFO("tol " << tol << " steps " << steps << " amp " << amp << " exact " << exact);
        // Local errors of size tol accumulate over the steps (global error ≲ steps · tol).
        CHECK(std::abs(amp - exact) < steps * tol);
        CHECK(sim.state().next_eps > 0.01); // grew from the cautious initial step
    }
}

namespace {

struct SingleSite {
    double m2, lambda, eps, phi2;
};

// Mass form; the last line is the hopping form at kappa = 0 with lambda_K = 1.1,
// i.e. S = phi^2 + 1.1 (phi^2 - 1)^2 = m2/2 phi^2 + lambda/4 phi^4 + const. Its steeper well
// needs the smaller step for the O(eps^2) bias to stay below the statistical error.
const SingleSite single_site_cases[] = {
    {1.0, 1.0, 0.02, 0.4679199170},
    {-1.0, 1.0, 0.02, 1.0417972965},
    {2.0 * (1.0 - 2.0 * 1.1), 4.0 * 1.1, 0.01, 0.5308447611},
};

void check_single_site(std::int64_t measurements, double max_error) {
    for (const SingleSite& c : single_site_cases) {
        auto cfg = free_config({32, 32}, c.m2, Method::langevin2, c.eps);
        cfg.action.lambda = c.lambda;
        cfg.action.coupling = {0.0};
        Simulation sim(cfg, cold_field(cfg, 0.5));
        const auto r = estimate(series(sim, "phi2", 300, measurements, 10));
        INFO("m2 " << c.m2 << " lambda " << c.lambda << ": " << r.mean << " +- " << r.error);
        CHECK(std::abs(r.mean - c.phi2) < 4.0 * r.error);
        CHECK(r.error < max_error);
    }
}

} // namespace

TEST_CASE("single-site integrals (J = 0) agree with quadrature", "[dynamics]") {
    check_single_site(300, 0.005);
}

TEST_CASE("single-site integrals (J = 0) agree with quadrature, high statistics",
          "[dynamics][long]") {
    check_single_site(20000, 0.0004);
}

TEST_CASE("every method writes identical bits with 1 and 2 threads", "[dynamics][bitwise]") {
    for (Method m : {Method::langevin, Method::langevin2, Method::flow, Method::flow_rk3,
                     Method::flow_adaptive, Method::momentum}) {
        const Config c = interacting_config(m);
        INFO("method " << static_cast<int>(m));
        REQUIRE(run_with_threads(c, 1, 50).bitwise_equal(run_with_threads(c, 2, 50)));
    }
}

TEST_CASE("measurements are bitwise independent of the thread count", "[dynamics][bitwise]") {
    const Config c = interacting_config(Method::langevin);
    auto record = [&](int threads) {
        const ThreadCount scope(threads);
        Simulation sim(c, cold_field(c, 0.3));
        for (int i = 0; i < 20; ++i)
            sim.advance();
        return sim.measure();
    };
    const auto one = record(1), two = record(2);
    REQUIRE(one.size() == two.size());
    for (std::size_t i = 0; i < one.size(); ++i)
        REQUIRE(std::memcmp(&one[i], &two[i], 8) == 0);
}

TEST_CASE("langevin at T = 0 is gradient flow bit for bit", "[dynamics][bitwise]") {
    Config lang = interacting_config(Method::langevin);
    lang.dynamics.temperature = 0.0;
    const Config flow = interacting_config(Method::flow);
    REQUIRE(run_with_threads(lang, 2, 40).bitwise_equal(run_with_threads(flow, 2, 40)));
    // ... and T > 0 really does add noise.
    REQUIRE_FALSE(run_with_threads(interacting_config(Method::langevin), 2, 40)
                      .bitwise_equal(run_with_threads(flow, 2, 40)));
}

TEST_CASE("a symmetric cold start at phi = 0 stays exactly 0 under every flow",
          "[dynamics][bitwise]") {
    for (Method m : {Method::flow, Method::flow_rk3, Method::flow_adaptive}) {
        Config c = interacting_config(m);
        c.action.h = {0.0};
        Simulation sim(c, cold_field(c, 0.0));
        for (int i = 0; i < 500; ++i)
            sim.advance();
        const Field zero(sim.lattice(), c.field.components);
        REQUIRE(sim.state().phi[0].bitwise_equal(zero));
    }
    // Noise breaks the symmetry.
    Config c = interacting_config(Method::langevin);
    c.action.h = {0.0};
    Simulation sim(c, cold_field(c, 0.0));
    sim.advance();
    const Field zero(sim.lattice(), c.field.components);
    REQUIRE_FALSE(sim.state().phi[0].bitwise_equal(zero));
}

TEST_CASE("run_with_threads and ThreadCount restore the thread count in force before",
          "[dynamics]") {
    const ThreadCount outer(3);
    REQUIRE(omp_get_max_threads() == 3);
    Config c = free_config({4, 4}, 1.0, Method::langevin, 0.01);
    run_with_threads(c, 1, 2);
    CHECK(omp_get_max_threads() == 3);
    run_with_threads(c, 2, 2);
    CHECK(omp_get_max_threads() == 3);
    try {
        const ThreadCount inner(1);
        CHECK(omp_get_max_threads() == 1);
        throw std::runtime_error("leaving the scope by an exception");
    } catch (const std::runtime_error&) {
    }
    CHECK(omp_get_max_threads() == 3);
}

TEST_CASE("momentum reuses its closing force (first-same-as-last) with the bits of a fresh one",
          "[dynamics][bitwise]") {
    const Config c = interacting_config(Method::momentum);
    const Lattice lat(c.lattice);
    const int n = c.field.components;
    Simulation sim(c, cold_field(c, 0.3));
    // The same steps by hand, with a cache or without one (two force sweeps per step); the
    // action changes at step 15, as a schedule would change it, which must discard the cache.
    auto by_hand = [&](bool cached, int steps) {
        Field phi = cold_field(c, 0.3), p(lat, n);
        ForceCache cache;
        const auto integrator = make_integrator(c.dynamics, lat, n);
        for (int step = 0; step < steps; ++step) {
            StepParams sp = sim.params_at(step);
            if (step >= 15) sp.action.m2 = -0.5;
            integrator->advance(phi, StepInput{sp.action, sp.eps, sp.temperature,
                                               static_cast<std::uint64_t>(step), sim.key(0), &p,
                                               cached ? &cache : nullptr});
        }
        return std::pair(std::move(phi), std::move(p));
    };
    for (int i = 0; i < 15; ++i)
        sim.advance();
    const auto [phi15, p15] = by_hand(false, 15);
    REQUIRE(sim.state().phi[0].bitwise_equal(phi15));
    REQUIRE(sim.state().momentum[0].bitwise_equal(p15));
    const auto [phi_c, p_c] = by_hand(true, 30);
    const auto [phi_f, p_f] = by_hand(false, 30);
    REQUIRE(phi_c.bitwise_equal(phi_f));
    REQUIRE(p_c.bitwise_equal(p_f));
}

// ---- [training] noise = shared and dropout ------------------------------------------------

namespace {

// A 4 x 32 x 32 network (inputs/nn_dictionary.ini's lattice), SGD at T = eta/2, two replicas;
// fan_in = 0: no input axis (4 x 32, one weight per neuron).
Config network_deck(const std::vector<std::string>& overrides, std::int64_t width = 32,
                    std::int64_t fan_in = 32) {
    const std::string deck = R"([run]
seed = 11
replicas = 2
[network]
depth = 4
neuron_coupling = 0.5
[field]
init = cold
init_value = 0.3
[action]
m2 = -1.0
lambda = 1.0
[training]
learning_rate = 0.05
[dynamics]
method = langevin
steps = 300
)";
    std::vector<std::string> all = {"network.width=" + std::to_string(width)};
    if (fan_in > 0)
        all.insert(all.end(),
                   {"network.fan_in=" + std::to_string(fan_in), "network.input_coupling=0.5"});
    all.insert(all.end(), overrides.begin(), overrides.end());
    return load_deck_text(deck, all, "network.ini");
}

Field copy_of(const Lattice& lat, const Field& phi) {
    Field out(lat, phi.components());
    out.copy_from(phi);
    return out;
}

Simulation network_simulation(const Config& c) {
    const Lattice lat(c.lattice);
    return Simulation(c, initial_fields(c, lat));
}

// True when every weight of layer l is bitwise equal to the layer's first weight.
bool layer_uniform(const Lattice& lat, const Field& phi, std::int64_t l) {
    const std::int64_t per_layer = lat.volume() / lat.extent(0);
    const double* w = phi.component(0) + l * per_layer;
    for (std::int64_t x = 1; x < per_layer; ++x)
        if (std::memcmp(&w[x], &w[0], sizeof(double)) != 0) return false;
    return true;
}

} // namespace

TEST_CASE(
    "shared noise from a symmetric start keeps D_l = 0 exactly and independent noise does not",
    "[dynamics][training]") {
    Simulation shared = network_simulation(network_deck({"training.noise=shared"}));
    Simulation independent = network_simulation(network_deck({}));
    const Lattice& lat = shared.lattice();
    for (int step = 1; step <= 300; ++step) {
        shared.advance();
        independent.advance();
        if (step % 10 != 0 && step != 1) continue;
        INFO("step " << step);
        const Measurement m = shared.measure_all();
        for (double d : m.layers->diversity)
            REQUIRE(d == 0.0);
        for (const Field& phi : shared.state().phi)
            for (std::int64_t l = 0; l < lat.extent(0); ++l)
                REQUIRE(layer_uniform(lat, phi, l)); // one variate per layer: all weights equal
        // The noise is there: the replicas separate (d > 0), as they do with independent noise.
        REQUIRE(m.replicas.distance > 0.0);
        const Measurement other = independent.measure_all();
        for (double d : other.layers->diversity)
            REQUIRE(d > 0.0);
    }
    // Each layer draws its own variate: the layers' weights differ from each other.
    const double* w = shared.state().phi[0].component(0);
    REQUIRE(w[0] != w[lat.volume() / lat.extent(0)]);
    // The other noisy methods draw through the same counter: the same exact statement.
    for (const std::string method : {"langevin2", "momentum"}) {
        INFO(method);
        Simulation sim = network_simulation(
            network_deck({"training.noise=shared", "dynamics.method=" + method}));
        for (int step = 0; step < 50; ++step)
            sim.advance();
        const Measurement m = sim.measure_all();
        for (double d : m.layers->diversity)
            REQUIRE(d == 0.0);
        REQUIRE(m.replicas.distance > 0.0);
    }
}

TEST_CASE("shared noise ignores exactly the mean-field axes of a general lattice",
          "[dynamics][training]") {
    // Axis 1 mean-field, axes 0 and 2 nearest: the noise is shared along axis 1 only.
    const detail::NoiseDraw d{{7, 1}, 3, {false, true, false, false}};
    const Lattice lat({4, 6, 10}, {Boundary::periodic});
    for (std::int64_t x0 = 0; x0 < 4; ++x0)
        for (std::int64_t x1 = 0; x1 < 6; ++x1) {
            const std::int64_t row_site = lat.site({x0, x1, 0, 0});
            std::vector<double> got(10), want(10);
            detail::draw_noise(lat, d, row_site, 2, 9, 0, got.data());
            fill_gaussian(d.key, Stream::dynamics, d.step, 0, lat.site({x0, 0, 2, 0}), 7,
                          want.data());
            REQUIRE(std::memcmp(got.data(), want.data(), 7 * sizeof(double)) == 0);
        }
    // With the row axis shared, a row takes the one variate of its origin.
    const detail::NoiseDraw row{{7, 1}, 3, {false, false, true, false}};
    std::vector<double> got(10);
    double want = 0.0;
    detail::draw_noise(lat, row, lat.site({2, 5, 0, 0}), 0, 10, 1, got.data());
    fill_gaussian(row.key, Stream::dynamics, row.step, 1, lat.site({2, 5, 0, 0}), 1, &want);
    for (double g : got)
        REQUIRE(std::memcmp(&g, &want, sizeof(double)) == 0);
}

TEST_CASE("dropout masks whole neurons kept with probability 1 - p: the mean force is (1 - p) F",
          "[dynamics][training]") {
    // One flow step from the same random field at K different step numbers (K masks): each
    // neuron either stays where it is or takes the step without dropout bit for bit, so the
    // mean force over the masks is (kept fraction) x F; the kept fraction is binomial.
    const double p = 0.3;
    for (const bool fan_in : {true, false}) {
        INFO("input axis: " << fan_in);
        const Config c =
            network_deck({"dynamics.method=flow", "training.dropout=0.3"}, 32, fan_in ? 32 : 0);
        const Lattice lat(c.lattice);
        const Field start = random_field(lat, 1, 3, 0.5);
        Simulation sim(c, initial_fields(c, lat));
        const StepParams sp = sim.params_at(0);
        const auto integrator = make_integrator(c.dynamics, lat, 1);
        Field full = copy_of(lat, start);
        integrator->advance(full, StepInput{sp.action, sp.eps, 0.0, 0, sim.key(0)});
        const std::int64_t neuron = fan_in ? lat.row_length() : 1; // sites per neuron
        const std::int64_t neurons = lat.volume() / neuron;
        const int K = 200;
        std::int64_t kept = 0;
        std::vector<int> kept_per_neuron(static_cast<std::size_t>(neurons), 0);
        double pair_both = 0.0; // neighbouring neurons kept together: independence
        for (int k = 0; k < K; ++k) {
            Field phi = copy_of(lat, start);
            StepInput in{sp.action, sp.eps, 0.0, static_cast<std::uint64_t>(k), sim.key(0)};
            in.noise = noise_model(c);
            integrator->advance(phi, in);
            std::vector<int> mask(static_cast<std::size_t>(neurons));
            for (std::int64_t n = 0; n < neurons; ++n) {
                const std::size_t bytes = static_cast<std::size_t>(neuron) * sizeof(double);
                const double* got = phi.component(0) + n * neuron;
                const bool same = std::memcmp(got, start.component(0) + n * neuron, bytes) == 0;
                const bool step = std::memcmp(got, full.component(0) + n * neuron, bytes) == 0;
                REQUIRE(same != step); // exactly one of the two, bit for bit
                mask[static_cast<std::size_t>(n)] = step ? 1 : 0;
                kept += mask[static_cast<std::size_t>(n)];
                kept_per_neuron[static_cast<std::size_t>(n)] += mask[static_cast<std::size_t>(n)];
            }
            for (std::int64_t n = 0; n + 1 < neurons; ++n)
                pair_both +=
                    mask[static_cast<std::size_t>(n)] * mask[static_cast<std::size_t>(n + 1)];
        }
        const double total = static_cast<double>(K * neurons);
        const double q = static_cast<double>(kept) / total;
        const double sigma = std::sqrt(p * (1.0 - p) / total);
        INFO("kept fraction " << q << " +- " << sigma);
        REQUIRE(std::abs(q - (1.0 - p)) < 4.0 * sigma);
        // Neighbours independent: P(both kept) = (1 - p)^2 within its binomial error.
        const double pairs = static_cast<double>(K * (neurons - 1));
        const double both = pair_both / pairs, p2 = (1 - p) * (1 - p);
        REQUIRE(std::abs(both - p2) < 4.0 * std::sqrt(p2 * (1 - p2) / pairs));
        // Every neuron sees its own Bernoulli sequence: chi^2 of the per-neuron counts.
        double chi2 = 0.0;
        for (int n_kept : kept_per_neuron) {
            const double e = K * (1.0 - p);
            chi2 += (n_kept - e) * (n_kept - e) / (K * p * (1.0 - p));
        }
        const double dof = static_cast<double>(neurons);
        INFO("chi2 " << chi2 << " for " << dof);
        REQUIRE(std::abs(chi2 - dof) < 5.0 * std::sqrt(2.0 * dof));
    }
}

TEST_CASE("dropout breaks the symmetry shared noise keeps and a dropped neuron does not move",
          "[dynamics][training]") {
    Simulation sim =
        network_simulation(network_deck({"training.noise=shared", "training.dropout=0.2"}));
    const Lattice& lat = sim.lattice();
    const Field before = copy_of(lat, sim.state().phi[0]);
    sim.advance();
    // After one step each neuron (row) either kept its start or moved: noise is masked too.
    std::int64_t still = 0;
    for (std::int64_t r = 0; r < lat.rows(); ++r) {
        const double* w = sim.state().phi[0].component(0) + r * lat.row_length();
        if (std::memcmp(w, before.component(0) + r * lat.row_length(),
                        static_cast<std::size_t>(lat.row_length()) * sizeof(double)) == 0)
            ++still;
    }
    REQUIRE(still > 0);
    REQUIRE(still < lat.rows());
    const Measurement m = sim.measure_all();
    for (double d : m.layers->diversity)
        REQUIRE(d > 0.0);
}

TEST_CASE("shared noise and dropout write identical bits with 1 and 2 threads",
          "[dynamics][training][bitwise]") {
    // 4 x 64 x 32 = 8192 sites: two threads really split the rows.
    for (const std::string method : {"langevin", "flow", "langevin2", "momentum"}) {
        INFO(method);
        std::vector<std::string> set = {"dynamics.method=" + method, "field.init=hot"};
        if (method == "langevin" || method == "flow") set.push_back("training.dropout=0.25");
        if (method != "flow") set.push_back("training.noise=shared");
        const Config c = network_deck(set, 64);
        auto run = [&](int threads) {
            const ThreadCount scope(threads);
            Simulation sim = network_simulation(c);
            for (int i = 0; i < 30; ++i)
                sim.advance();
            return copy_of(sim.lattice(), sim.state().phi[1]);
        };
        REQUIRE(run(1).bitwise_equal(run(2)));
    }
}
