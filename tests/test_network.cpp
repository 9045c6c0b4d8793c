// The demonstrations of docs/network.md, each deck run through the program and each picture's
// numbers checked against the HDF5 output it was drawn from:
//   1. nn_symmetric_init: gradient flow from a constant start keeps every neuron of a layer
//      identical (D_l == 0 and replica distance == 0 exactly, at every measurement); SGD noise
//      breaks the permutation symmetry (D_l > 0, replicas apart);
//   2. nn_anneal: with a cosine-decayed learning rate |M_l| ~ 0 early and ~1 at the end;
//   3. nn_decoupling: every layer stays ordered down to J_layer = 0, where the layers stop
//      aligning with each other;
//   4. kibble_zurek_1d: kink density after linear quenches ~ tau_Q^-kappa, kappa = 1/4 (the CI
//      version on a quarter of the replicas and four quenches; the full deck is [long]).
// Physics tolerances are in units of statistical errors (block means over the measurements,
// replica spread of the kink counts).
#include "cli.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

// A dataset as a row-major table [rows, cols] (cols = product of the trailing dimensions).
struct Table {
    std::vector<double> v;
    std::size_t rows = 0, cols = 1;
    double at(std::size_t r, std::size_t c) const { return v[r * cols + c]; }
};

Table table(const std::string& file, const std::string& path) {
    const h5::Dataset d = h5::File::open_read(file).root().open_dataset(path);
    Table t;
    t.v = d.read_double();
    const std::vector<std::uint64_t> shape = d.shape();
    t.rows = shape.at(0);
    for (std::size_t i = 1; i < shape.size(); ++i)
        t.cols *= shape[i];
    return t;
}

// Mean of column c over rows [r0, r1).
double column_mean(const Table& t, std::size_t c, std::size_t r0, std::size_t r1) {
    double s = 0.0;
    for (std::size_t r = r0; r < r1; ++r)
        s += t.at(r, c);
    return s / static_cast<double>(r1 - r0);
}

void run_ok(const Scratch& s, const std::string& args) {
    const Result r = run_ssbsim(s, args);
    INFO("ssbsim " << args << "\n" << r.err);
    REQUIRE(r.status == 0);
}

// Points first..last of a scan deck, two at a time (the machine has two cores).
void run_points(const Scratch& s, const std::string& deck, int first, int last,
                const std::string& extra) {
    const std::string cmd = "cd '" + s.dir.string() + "' && seq " + std::to_string(first) + " " +
                            std::to_string(last) + " | xargs -P 2 -I{} '" + SSBSIM_BINARY +
                            "' run '" + deck + "' --point {} " + extra + " > points.log 2>&1";
    const int raw = std::system(cmd.c_str());
    INFO(slurp(s.path("points.log")));
    REQUIRE(WIFEXITED(raw));
    REQUIRE(WEXITSTATUS(raw) == 0);
}

void script_ok(const Scratch& s, const std::string& script, const std::string& args) {
    const Result r = run_script(s, script, args);
    INFO(script << " " << args << "\n" << r.out << r.err);
    REQUIRE(r.status == 0);
}

void require_png(const Scratch& s, const std::string& name) {
    REQUIRE(std::filesystem::exists(s.path(name)));
    REQUIRE(std::filesystem::file_size(s.path(name)) > 10000);
}

// Weighted least squares of y = c + b x; returns {b, sigma_b}.
std::pair<double, double> wls_slope(const std::vector<double>& x, const std::vector<double>& y,
                                    const std::vector<double>& sigma) {
    double s = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double w = 1.0 / (sigma[i] * sigma[i]);
        s += w;
        sx += w * x[i];
        sy += w * y[i];
        sxx += w * x[i] * x[i];
        sxy += w * x[i] * y[i];
    }
    const double det = s * sxx - sx * sx;
    return {(s * sxy - sx * sy) / det, std::sqrt(s / det)};
}

} // namespace

TEST_CASE("nn_symmetric_init: gradient flow keeps the neurons identical, SGD noise does not",
          "[network][decks]") {
    Scratch s("nn-symmetric");
    const std::string deck = deck_path("nn_symmetric_init.ini");
    run_ok(s, "run " + deck + " -o flow.h5");
    run_ok(s, "run " + deck + " --set dynamics.method=langevin -o sgd.h5");
    const std::string flow = s.path("flow.h5"), sgd = s.path("sgd.h5");

    // Flow: every neuron of every layer equal at every measurement, in all four replicas.
    const Table d = table(flow, "layers/diversity"), g = table(flow, "layers/grad_variance");
    const Table dist = table(flow, "replicas/distance"), q = table(flow, "replicas/overlap");
    REQUIRE(d.rows == 101);
    REQUIRE(d.cols == 6);
    REQUIRE(dist.rows == d.rows);
    for (std::size_t r = 0; r < d.rows; ++r) {
        INFO("row " << r);
        for (std::size_t l = 0; l < d.cols; ++l) {
            REQUIRE(d.at(r, l) == 0.0);
            REQUIRE(g.at(r, l) == 0.0); // identical neurons have identical gradients
        }
        REQUIRE(dist.at(r, 0) == 0.0);
        REQUIRE(q.at(r, 0) == 1.0);
    }
    // ... while the weights do train: |M_l| goes from 0.3 to the minimum of the hat, 1.
    const Table m = table(flow, "layers/abs_magnetization");
    for (std::size_t l = 0; l < m.cols; ++l) {
        REQUIRE(m.at(0, l) == Approx(0.3).epsilon(1e-12));
        REQUIRE(m.at(m.rows - 1, l) == Approx(1.0).epsilon(1e-6));
    }

    // SGD (batch size 1: T = eta / 2 = 0.025): identical at step 0, apart ever after.
    const Table temperature = table(sgd, "observables/temperature");
    REQUIRE(temperature.at(temperature.rows - 1, 0) == Approx(0.025).epsilon(1e-12));
    const Table ds = table(sgd, "layers/diversity"), dists = table(sgd, "replicas/distance");
    const Table qs = table(sgd, "replicas/overlap");
    double max_d = 0.0, max_dist = 0.0;
    for (std::size_t l = 0; l < ds.cols; ++l)
        REQUIRE(ds.at(0, l) == 0.0);
    REQUIRE(dists.at(0, 0) == 0.0);
    for (std::size_t r = 1; r < ds.rows; ++r) {
        INFO("row " << r);
        for (std::size_t l = 0; l < ds.cols; ++l) {
            REQUIRE(ds.at(r, l) > 0.0);
            max_d = std::max(max_d, ds.at(r, l));
        }
        REQUIRE(dists.at(r, 0) > 0.0);
        REQUIRE(qs.at(r, 0) < 1.0);
        max_dist = std::max(max_dist, dists.at(r, 0));
    }

    // The pictures show exactly these numbers.
    script_ok(s, "plot_layers.py", "flow.h5 -o flow_layers.png --json flow_layers.json");
    script_ok(s, "plot_layers.py", "sgd.h5 -o sgd_layers.png --json sgd_layers.json");
    script_ok(s, "plot_replicas.py", "flow.h5 sgd.h5 -o replicas.png --json replicas.json");
    require_png(s, "flow_layers.png");
    require_png(s, "replicas.png");
    REQUIRE(py_number(s, "flow_layers.json", "max(x['max_diversity'] for x in d['layers'])") ==
            0.0);
    REQUIRE(py_number(s, "sgd_layers.json", "max(x['max_diversity'] for x in d['layers'])") ==
            max_d);
    REQUIRE(py_number(s, "replicas.json", "d['files'][0]['max_distance']") == 0.0);
    REQUIRE(py_number(s, "replicas.json", "d['files'][0]['min_overlap']") == 1.0);
    REQUIRE(py_number(s, "replicas.json", "d['files'][1]['max_distance']") == max_dist);
    REQUIRE(py_number(s, "replicas.json", "d['files'][1]['final_distance']") ==
            dists.at(dists.rows - 1, 0));
    REQUIRE(py_number(s, "replicas.json", "d['files'][1]['replicas']") == 4);
}

TEST_CASE("nn_anneal: per-layer symmetry breaking appears late in cosine-annealed training",
          "[network][decks][physics]") {
    Scratch s("nn-anneal");
    run_ok(s, "run " + deck_path("nn_anneal.ini") + " -o anneal.h5");
    const std::string file = s.path("anneal.h5");

    // The SGD dictionary: T = eta sigma^2 / (2B) = 40 eta at every measurement.
    const Table eps = table(file, "observables/step_size");
    const Table temperature = table(file, "observables/temperature");
    for (std::size_t r = 0; r < eps.rows; ++r)
        REQUIRE(temperature.at(r, 0) == Approx(40.0 * eps.at(r, 0)).epsilon(1e-12));

    script_ok(s, "plot_layers.py", "anneal.h5 -o layers.png --json layers.json");
    require_png(s, "layers.png");
    const Table m = table(file, "layers/abs_magnetization");
    REQUIRE(m.cols == 8);
    const std::size_t n = m.rows, early = static_cast<std::size_t>(std::lround(0.25 * n)),
                      late = static_cast<std::size_t>(std::lround(0.1 * n));
    for (std::size_t l = 0; l < m.cols; ++l) {
        const std::string layer = "d['layers'][" + std::to_string(l) + "]";
        const double e = py_number(s, "layers.json", layer + "['early_abs_m']");
        const double e_err = py_number(s, "layers.json", layer + "['early_abs_m_error']");
        const double f = py_number(s, "layers.json", layer + "['late_abs_m']");
        const double f_err = py_number(s, "layers.json", layer + "['late_abs_m_error']");
        INFO("layer " << l << ": early " << e << " +- " << e_err << ", late " << f << " +- "
                      << f_err);
        REQUIRE(e == Approx(column_mean(m, l, 0, early)).epsilon(1e-12));
        REQUIRE(f == Approx(column_mean(m, l, n - late, n)).epsilon(1e-12));
        // Early (T ~ 2): |M_l| at the level of the symmetric phase's fluctuations,
        // ~ (T chi / V_l)^(1/2) ~ 0.05; late (T ~ 0.05): ordered, |M_l| near 1.
        CHECK(e < 0.15);
        CHECK(f > 0.9);
        CHECK(f - e > 20.0 * std::hypot(e_err, f_err));
    }
    // The order appears in the second half of training, when T has fallen to ~T_c ~ 1.
    const double row = py_number(s, "layers.json", "d['ordering_row']");
    const double t_order = py_number(s, "layers.json", "d['ordering_temperature']");
    INFO("ordering at row " << row << " of " << n << ", T = " << t_order);
    CHECK(row > 0.5 * static_cast<double>(n));
    CHECK(t_order > 0.5);
    CHECK(t_order < 1.3);
    // The gradient variance follows the noise: ~T <S''> in equilibrium.
    const Table g = table(file, "layers/grad_variance");
    for (std::size_t l = 0; l < g.cols; ++l)
        CHECK(column_mean(g, l, n - late, n) < 0.1 * column_mean(g, l, early / 2, early));
}

TEST_CASE("nn_decoupling: each layer stays ordered down to J_layer = 0, where layers stop "
          "aligning",
          "[network][decks][physics]") {
    Scratch s("nn-decoupling");
    run_points(s, deck_path("nn_decoupling.ini"), 0, 3, "");
    script_ok(s, "plot_decoupling.py", "nn_decoupling_*.h5 -o dec.png --json dec.json");
    require_png(s, "dec.png");
    // Points sorted by J_layer from 1 down to 0.
    const std::vector<std::string> files = {
        "nn_decoupling_layer_coupling=1.h5", "nn_decoupling_layer_coupling=0.3.h5",
        "nn_decoupling_layer_coupling=0.1.h5", "nn_decoupling_layer_coupling=0.h5"};
    const std::vector<double> couplings = {1.0, 0.3, 0.1, 0.0};
    std::vector<double> mean_layers(4), network(4);
    for (int p = 0; p < 4; ++p) {
        const std::string point = "d['points'][" + std::to_string(p) + "]";
        REQUIRE(py_number(s, "dec.json", point + "['layer_coupling']") == couplings[p]);
        const Table m = table(s.path(files[p]), "layers/abs_magnetization");
        const Table mm = table(s.path(files[p]), "layers/magnetization");
        const Table rep = table(s.path(files[p]), "replicas/abs_magnetization");
        const std::size_t n = m.rows, half = n - static_cast<std::size_t>(std::lround(0.5 * n));
        double sum = 0.0;
        for (std::size_t l = 0; l < m.cols; ++l) {
            const std::string layer = "[" + std::to_string(l) + "]";
            const double value = py_number(s, "dec.json", point + "['abs_m_layers']" + layer);
            const double error = py_number(s, "dec.json", point + "['abs_m_layers_error']" + layer);
            INFO("J_layer = " << couplings[p] << ", layer " << l << ": |M_l| = " << value << " +- "
                              << error);
            REQUIRE(value == Approx(column_mean(m, l, half, n)).epsilon(1e-12));
            // Broken symmetry in every layer: |M_l| far from 0 (tens of errors) and M_l never
            // changes sign over the second half of the run (no tunnelling between the vacua).
            CHECK(value > 0.5);
            CHECK(value > 30.0 * error);
            int changes = 0;
            for (std::size_t r = half + 1; r < n; ++r)
                changes += (mm.at(r, l) > 0) != (mm.at(r - 1, l) > 0);
            CHECK(changes == 0);
            CHECK(py_number(s, "dec.json", point + "['sign_changes']" + layer) == changes);
            sum += value;
        }
        mean_layers[p] = sum / static_cast<double>(m.cols);
        double whole = 0.0;
        for (std::size_t c = 0; c < rep.cols; ++c)
            whole += column_mean(rep, c, half, n);
        network[p] = whole / static_cast<double>(rep.cols);
        REQUIRE(py_number(s, "dec.json", point + "['mean_abs_m_network']") ==
                Approx(network[p]).epsilon(1e-12));
    }
    INFO("mean |M_l|: " << mean_layers[0] << " " << mean_layers[1] << " " << mean_layers[2] << " "
                        << mean_layers[3] << "; network |M|: " << network[0] << " " << network[1]
                        << " " << network[2] << " " << network[3]);
    // Decoupling costs little order per layer ...
    CHECK(mean_layers[3] > 0.8 * mean_layers[0]);
    // ... but the layers no longer break the symmetry together: coupled, the whole network has
    // the |M| of its layers (in all four replicas); decoupled, independent signs cancel.
    CHECK(network[0] > 0.97 * mean_layers[0]);
    CHECK(network[3] < 0.7 * mean_layers[3]);
}

namespace {

// Runs the Kibble-Zurek script on the quench files and checks its numbers against the files:
// the kink counts (integers, even on a periodic chain), the mean densities and the fit.
// Returns {kappa, error, z, p-value}.
std::vector<double> check_kibble_zurek(const Scratch& s, int points) {
    script_ok(s, "plot_kibble_zurek.py", "kibble_zurek_1d_*.h5 -o kz.png --json kz.json");
    require_png(s, "kz.png");
    std::vector<double> x, y, sigma, density;
    for (int p = 0; p < points; ++p) {
        const std::string point = "d['points'][" + std::to_string(p) + "]";
        const std::int64_t steps = std::int64_t{1000} << p;
        const std::string file = s.path("kibble_zurek_1d_steps=" + std::to_string(steps) + ".h5");
        const Table walls = table(file, "replicas/domain_walls");
        const double links = 4096.0;
        std::vector<double> n_r;
        for (std::size_t r = 0; r < walls.cols; ++r) {
            const double kinks = walls.at(walls.rows - 1, r) * links;
            INFO("tau_Q point " << p << ", replica " << r << ": " << kinks << " kinks");
            REQUIRE(kinks == Approx(std::round(kinks)).margin(1e-9));
            REQUIRE(std::lround(kinks) % 2 == 0); // kinks and antikinks alternate on a ring
            REQUIRE(kinks > 0);
            n_r.push_back(kinks / links);
        }
        const double mean = std::accumulate(n_r.begin(), n_r.end(), 0.0) / n_r.size();
        double var = 0.0;
        for (double v : n_r)
            var += (v - mean) * (v - mean);
        const double error = std::sqrt(var / (n_r.size() - 1) / n_r.size());
        const double tau_q = static_cast<double>(steps) * 0.1 / 4.0;
        REQUIRE(py_number(s, "kz.json", point + "['tau_q']") == Approx(tau_q).epsilon(1e-12));
        REQUIRE(py_number(s, "kz.json", point + "['density']") == Approx(mean).epsilon(1e-12));
        REQUIRE(py_number(s, "kz.json", point + "['density_error']") ==
                Approx(error).epsilon(1e-9));
        REQUIRE(py_number(s, "kz.json", point + "['final_m2']") == Approx(-3.0).epsilon(1e-12));
        x.push_back(std::log(tau_q));
        y.push_back(std::log(mean));
        sigma.push_back(error / mean);
        density.push_back(mean);
    }
    const auto [slope, slope_error] = wls_slope(x, y, sigma);
    const double kappa = py_number(s, "kz.json", "d['kappa']");
    const double error = py_number(s, "kz.json", "d['kappa_error']");
    REQUIRE(kappa == Approx(-slope).epsilon(1e-9));
    REQUIRE(error == Approx(slope_error).epsilon(1e-9));
    // Slower quenches leave fewer kinks, point by point.
    for (int p = 1; p < points; ++p) {
        INFO("density " << density[p - 1] << " -> " << density[p]);
        CHECK(density[p] < density[p - 1]);
    }
    return {kappa, error, py_number(s, "kz.json", "d['z']"),
            py_number(s, "kz.json", "d['p_value']")};
}

} // namespace

TEST_CASE("kibble_zurek_1d, CI size: the kink density falls as tau_Q^-kappa, kappa ~ 1/4",
          "[network][kibble-zurek][physics]") {
    // Four quenches (tau_Q = 25 ... 200) of 16 chains of 4096 sites; only the first and the
    // last step measured.
    Scratch s("kz-short");
    run_points(s, deck_path("kibble_zurek_1d.ini"), 0, 3,
               "--set run.replicas=16 --set 'scan.measure.every=100000, 100000, 100000, 100000, "
               "100000, 100000'");
    const std::vector<double> k = check_kibble_zurek(s, 4);
    INFO("kappa = " << k[0] << " +- " << k[1] << " (" << k[2] << " sigma from 1/4)");
    CHECK(k[0] > 0.15);
    CHECK(k[0] < 0.35);
    CHECK(k[1] < 0.03);
}

TEST_CASE("kibble_zurek_1d: kappa agrees with Laguna & Zurek's 1/4 within 2 standard errors",
          "[network][kibble-zurek][physics][long]") {
    // The deck as shipped: six quenches, tau_Q = 25 ... 800, 64 chains of 4096 sites each.
    Scratch s("kz-long");
    run_points(s, deck_path("kibble_zurek_1d.ini"), 0, 5, "");
    const std::vector<double> k = check_kibble_zurek(s, 6);
    INFO("kappa = " << k[0] << " +- " << k[1] << " (" << k[2] << " sigma from 1/4), p = " << k[3]);
    CHECK(std::abs(k[0] - 0.25) < 2.0 * k[1]);
    CHECK(k[1] < 0.01);
    CHECK(k[3] > 0.001); // a pure power law describes the six points
}
