// `ssbsim analyze`: the derived quantities against exact free-field values (ξ₂ = 1/m and the
// specific heat from the lattice propagator, with the Langevin scheme's own per-mode variances);
// the formulas; the outputs (table, JSON checked by Python's parser, CSV, /analysis) agreeing
// with each other; scans grouped by the recorded deck, not by file names; the Binder crossing of
// the 2D Z2 theory at λ = 1 from inputs/binder_scan_2d.ini; the published 32² point (long); and
// every error path: missing, non-HDF5, truncated and killed files, missing datasets, too few
// samples, constant series -- a message naming the file, status 2, never a crash or a made-up
// number.
#include "cli.hpp"
#include "ssbsim/analysis/analyze.hpp"
#include "ssbsim/analysis/bias.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/json.hpp"
#include "ssbsim/measure/observables.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <regex>
#include <sstream>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

// A run held in memory, as read_run would return it, from a Simulation's records.
analysis::RunData simulate(const Config& c, std::int64_t thermalise, std::int64_t n,
                           std::int64_t every) {
    Simulation sim(c, cold_field(c));
    for (std::int64_t i = 0; i < thermalise; ++i)
        sim.advance();
    const RecordLayout layout(sim.lattice(), c.field.components);
    analysis::RunData run;
    run.source = "memory";
    run.dims = c.lattice.dims;
    run.boundary.assign(c.lattice.dims.size(), c.lattice.boundary.front());
    run.components = c.field.components;
    for (const ObservableSpec& s : observable_specs())
        run.columns[s.name].row_shape = layout.row_shape(s);
    for (std::int64_t k = 0; k < n; ++k) {
        for (std::int64_t i = 0; i < every; ++i)
            sim.advance();
        const std::vector<double> r = sim.measure();
        run.step.push_back(sim.state().step);
        std::size_t offset = 0;
        for (const ObservableSpec& s : observable_specs()) {
            auto& v = run.columns[s.name].values;
            const auto w = static_cast<std::size_t>(layout.width(s));
            v.insert(v.end(), r.begin() + static_cast<std::ptrdiff_t>(offset),
                     r.begin() + static_cast<std::ptrdiff_t>(offset + w));
            offset += w;
        }
    }
    return run;
}

double langevin2_variance(double k, double eps) {
    const double z = eps * k, a = 1.0 - z + 0.5 * z * z, b = 1.0 - 0.5 * z;
    return 2.0 * eps * b * b / (1.0 - a * a);
}

// Field `field` of the object `"key": {...}` in JSON text; NaN for null.
double json_value(const std::string& json, const std::string& key,
                  const std::string& field = "value") {
    const std::regex re("\"" + std::regex_replace(key, std::regex(R"([\[\]])"), R"(\$&)") +
                        "\": \\{[^}]*\"" + field + "\": (null|[-+0-9.eE]+)");
    std::smatch m;
    if (!std::regex_search(json, m, re)) throw std::runtime_error("no " + key + " in the JSON");
    return m[1] == "null" ? std::nan("") : std::stod(m[1]);
}

bool valid_json(const Scratch& s, const std::string& text) {
    const std::string path = s.write("check.json", text);
    const std::string cmd = std::string(SSBSIM_PYTHON) +
                            " -c 'import json,sys; json.load(open(sys.argv[1]))' '" + path + "'";
    return std::system(cmd.c_str()) == 0;
}

// A short equilibrium run of the free-field deck (8x8, Euler-Maruyama).
std::string good_run(const Scratch& s, const std::string& name, std::int64_t steps = 4000) {
    const Result r = run_ssbsim(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=" +
                                       std::to_string(steps) + " -o " + name);
    REQUIRE(r.status == 0);
    return s.path(name);
}

// Exits 2 with a message that names the file and contains `what`; prints nothing on stdout.
void require_unusable(const Scratch& s, const std::string& args, const std::string& file,
                      const std::string& what) {
    const Result r = run_ssbsim(s, "analyze " + args);
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find(file) != std::string::npos);
    REQUIRE(r.err.find(what) != std::string::npos);
    REQUIRE(r.out.empty());
}

} // namespace

TEST_CASE("Binder cumulant and susceptibility formulas", "[analyze]") {
    // Gaussian M in N dimensions: <|M|^4> = N(N+2) s^4, <|M|^2> = N s^2 -> the O(N) form is 0.
    for (int n : {1, 2, 3, 4})
        REQUIRE(analysis::binder_on(n, n * (n + 2.0), n) == Approx(0.0).margin(1e-15));
    REQUIRE(analysis::binder(1.0, 3.0) == Approx(0.0).margin(1e-15));
    // Ordered (|M| fixed): 2/3 in the Z2 form, 2/(N+2) in the O(N) form.
    REQUIRE(analysis::binder(0.25, 0.0625) == Approx(2.0 / 3.0));
    REQUIRE(analysis::binder_on(0.25, 0.0625, 3) == Approx(2.0 / 5.0));
    REQUIRE(analysis::binder_on(0.5, 0.7, 1) == analysis::binder(0.5, 0.7));
    REQUIRE(analysis::susceptibility(0.5, 0.6, 100.0) == Approx(100.0 * (0.5 - 0.36)));
}

TEST_CASE("free field: analyze's xi2 and specific heat agree with the exact lattice propagator",
          "[analyze][physics]") {
    // <S(p)> is the stationary variance G(p) of mode p. For exact sampling G = 1/(p^2 + m2) and
    // xi2 = 1/m for any L; the langevin2 variances make the sampled value exact at any eps. Each
    // mode's action k|phi_p|^2/2 has variance (k G)^2/2, so C = V^-1 sum_p (k G)^2/2.
    const int L = 8;
    const double m2 = 0.5, eps = 0.05;
    const double s = std::sin(std::numbers::pi / L), kmin = 4 * s * s;
    REQUIRE(std::sqrt((1 / m2) / (1 / (kmin + m2)) - 1.0) / (2 * s) ==
            Approx(1 / std::sqrt(m2)).epsilon(1e-12));
    const auto g = [&](double k) { return langevin2_variance(k, eps); };
    const double xi_exact = std::sqrt(g(m2) / g(kmin + m2) - 1.0) / (2 * s);
    const double c_exact =
        mode_average(L, 2, m2, [&](double k) { return 0.5 * std::pow(k * g(k), 2); });

    const analysis::RunData run =
        simulate(free_config({L, L}, m2, Method::langevin2, eps), 400, 30000, 5);
    const analysis::FileAnalysis fa = analysis::analyze_run(run, {});
    const analysis::Estimate* xi = fa.find("xi2");
    const analysis::Estimate* heat = fa.find("specific_heat");
    REQUIRE(xi);
    REQUIRE(heat);
    INFO("xi2 = " << xi->value << " +- " << xi->error << " (exact " << xi_exact
                  << ", 1/m = " << 1 / std::sqrt(m2) << "); C = " << heat->value << " +- "
                  << heat->error << " (exact " << c_exact << ")");
    CHECK(std::abs(xi->value - xi_exact) < 3.0 * xi->error);
    CHECK(xi->error < 0.05 * xi_exact);
    CHECK(std::abs(heat->value - c_exact) < 3.0 * heat->error);
    CHECK(heat->error < 0.05 * c_exact);
    // The symmetric phase: U ~ 0 within errors, and a Gamma estimate for every measured column.
    CHECK(std::abs(fa.find("binder")->value) < 3.0 * fa.find("binder")->error);
    CHECK(fa.find("action")->method == "gamma");
    CHECK(fa.find("temperature")->method == "parameter");
}

TEST_CASE("analyze: table, JSON, CSV and /analysis agree", "[analyze][cli]") {
    Scratch s("analyze-outputs");
    const std::string file = good_run(s, "free.h5");
    const Result table = run_ssbsim(s, "analyze free.h5");
    REQUIRE(table.status == 0);
    for (const char* word : {"abs_magnetization", "binder", "chi", "xi2", "specific_heat",
                             "schwinger_dyson", "thermalisation cut", "tau_int"})
        CHECK(table.out.find(word) != std::string::npos);
    CHECK(table.out.find("nan") == std::string::npos);

    const Result json = run_ssbsim(s, "analyze free.h5 --json --write");
    REQUIRE(json.status == 0);
    REQUIRE(valid_json(s, json.out));
    const Result csv = run_ssbsim(s, "analyze free.h5 --csv");
    REQUIRE(csv.status == 0);
    REQUIRE(csv.out.rfind("scope,file,dims,components,quantity,method,value,error", 0) == 0);

    {
        const h5::File f = h5::File::open_read(file);
        const h5::Group a = f.root().open_group("analysis");
        REQUIRE(a.read_attr_int64("skip") >= 0);
        for (const char* name :
             {"abs_magnetization", "action", "binder", "chi", "xi2", "specific_heat"}) {
            INFO(name);
            const h5::Group q = a.open_group(name);
            REQUIRE(q.read_attr_double("value") == json_value(json.out, name));
            REQUIRE(q.read_attr_double("error") == json_value(json.out, name, "error"));
            REQUIRE(std::isfinite(q.read_attr_double("error")));
            // The CSV row carries the same value to all 17 digits.
            const std::regex row(",(" + std::string(name) + "),[a-z_]+,([-+0-9.eE]+),");
            std::smatch m;
            REQUIRE(std::regex_search(csv.out, m, row));
            REQUIRE(std::stod(m[2]) == json_value(json.out, name));
        }
    } // closed: HDF5 locks a file open for reading against writers
    // --skip is honoured and recorded; a second --write replaces the first.
    REQUIRE(run_ssbsim(s, "analyze free.h5 --skip 7 --write").status == 0);
    REQUIRE(h5::File::open_read(file).root().open_group("analysis").read_attr_int64("skip") == 7);
}

TEST_CASE("Schwinger-Dyson bias check: 3 sigma and the tolerance, equilibrium only",
          "[analyze][bias]") {
    analysis::SamplerSettings eq{"langevin", 0.1, true};
    CHECK(analysis::schwinger_dyson_bias(1.02, 0.001, eq));         // 20 sigma, 2 %
    CHECK(analysis::schwinger_dyson_bias(0.95, 0.01, eq));          // 5 sigma below
    CHECK_FALSE(analysis::schwinger_dyson_bias(1.005, 0.0001, eq)); // 50 sigma but 0.5 %
    CHECK_FALSE(analysis::schwinger_dyson_bias(1.05, 0.02, eq));    // 5 % but 2.5 sigma
    CHECK_FALSE(analysis::schwinger_dyson_bias(1.0, 0.0, eq));
    CHECK_FALSE(analysis::schwinger_dyson_bias(1.2, std::nan(""), eq)); // no error estimate
    analysis::SamplerSettings schedule = eq;
    schedule.equilibrium = false; // T = 0 or a schedule: the estimator need not be 1
    CHECK_FALSE(analysis::schwinger_dyson_bias(1.2, 0.001, schedule));
    const std::string m = *analysis::schwinger_dyson_bias(1.2, 0.001, eq);
    for (const char* word : {"step-size bias", "Schwinger-Dyson", "200 sigma", "dynamics.step",
                             "0.1", "langevin2", "momentum", "exact sampler"})
        CHECK(m.find(word) != std::string::npos);
    const std::string fa = *analysis::schwinger_dyson_bias(1.2, 0.001, {"fa_langevin", 0.1, true});
    CHECK(fa.find("method = fa_hmc") != std::string::npos);
}

TEST_CASE("a run with step-size bias is flagged by analyze and the run summary; an exact one is "
          "not",
          "[analyze][bias][cli]") {
    // Biased: Euler-Maruyama at eps = 0.1 on the free field (the shipped deck), whose
    // Schwinger-Dyson mean is exactly V^-1 sum_p 1/(1 - eps k_p/2) = 1.36 (k_p up to 9); and
    // the case that went unnoticed: the 3D hopping action at lambda_K = 1.1, kappa_c, a stiff
    // mass-form action (lambda = 7.8), by langevin2 at eps = 0.01 (SD ~ 0.93).
    // Unbiased: BAOAB samples the Gaussian field exactly at any stable eps.
    Scratch s("analyze-bias");
    struct Case {
        const char* name;
        std::string settings;
        bool biased;
    };
    s.write("stiff.ini", "[lattice]\ndims = 4 4 4\n[action]\nform = hopping\nkappa = 0.3750966\n"
                         "lambda = 1.1\n[dynamics]\nmethod = langevin2\nstep = 0.01\n"
                         "temperature = 1.0\nsteps = 100000\n[measure]\nevery = 10\n");
    const std::string free_field = deck_path("free_field.ini");
    for (const Case& c :
         {Case{"euler", free_field + " --set dynamics.steps=20000", true},
          Case{"exact", free_field + " --set dynamics.steps=20000 --set dynamics.method=momentum",
               false},
          Case{"stiff", s.path("stiff.ini"), true}}) {
        INFO(c.name);
        const std::string file = std::string(c.name) + ".h5";
        const Result run = run_ssbsim(s, "run " + c.settings + " -o " + file);
        INFO(run.err);
        REQUIRE(run.status == 0);
        INFO("run summary: " << run.out);
        CHECK(run.out.find("<Schwinger-Dyson> = ") != std::string::npos);
        CHECK((run.out.find("warning: step-size bias") != std::string::npos) == c.biased);

        const Result table = run_ssbsim(s, "analyze " + file);
        REQUIRE(table.status == 0);
        INFO("analyze: " << table.out);
        CHECK((table.out.find("warning: step-size bias") != std::string::npos) == c.biased);
        const Result json = run_ssbsim(s, "analyze " + file + " --json");
        REQUIRE(json.status == 0);
        REQUIRE(valid_json(s, json.out));
        CHECK(json.out.find(std::string("\"step_size_bias\": ") + (c.biased ? "true" : "false")) !=
              std::string::npos);
        CHECK((json.out.find("step-size bias: the Schwinger-Dyson mean") != std::string::npos) ==
              c.biased);
        const double sd = json_value(json.out, "schwinger_dyson");
        const double sd_error = json_value(json.out, "schwinger_dyson", "error");
        if (c.biased)
            CHECK(std::abs(sd - 1.0) > 3.0 * sd_error);
        else
            CHECK(std::abs(sd - 1.0) < 3.0 * sd_error);
    }
}

TEST_CASE("analyze reports an HMC run's acceptance and Creutz's <e^-dH> = 1, and a frozen chain",
          "[analyze][bias][cli][hmc]") {
    // Equilibrated: a cold start at the broken minimum, accepted ~ 0.9, <e^{-dH}> = 1 within
    // errors and no warning. Frozen: a hot start on 64^2 at the same step has Delta H ~ 10^2
    // (the short modes far from equilibrium), HMC rejects every trajectory, so the
    // Schwinger-Dyson mean sits far from 1 -- which for an exact method is no step-size bias
    // but a chain that never moved, and analyze must say that, not "use a smaller step" alone.
    Scratch s("analyze-hmc");
    const std::string deck = s.write("hmc.ini", R"([lattice]
dims = 16 16
[field]
init = cold
init_value = 0.8
[action]
m2 = -1.27
lambda = 1.0
[dynamics]
method = hmc
step = 0.25
hmc_steps = 4
hmc_integrator = omelyan
steps = 3000
[measure]
every = 1
)");
    const Result good = run_ssbsim(s, "run " + deck + " -o good.h5");
    REQUIRE(good.status == 0);
    CHECK(good.out.find("acceptance rate = 0.") != std::string::npos);
    const Result table = run_ssbsim(s, "analyze good.h5 --json");
    REQUIRE(table.status == 0);
    INFO(table.out);
    CHECK(table.out.find("\"warnings\": []") != std::string::npos);
    const double rate = json_value(table.out, "accepted");
    const double creutz = json_value(table.out, "exp_minus_delta_h");
    const double creutz_error = json_value(table.out, "exp_minus_delta_h", "error");
    CHECK(rate > 0.5);
    CHECK(rate < 1.0);
    CHECK(json_value(table.out, "delta_h") > 0.0);
    CHECK(std::abs(creutz - 1.0) < 4.0 * creutz_error);

    const Result frozen = run_ssbsim(s, "run " + deck +
                                            " --set lattice.dims='64 64' --set field.init=hot "
                                            "--set field.init_value=0 --set dynamics.steps=300 "
                                            "-o frozen.h5");
    REQUIRE(frozen.status == 0);
    CHECK(frozen.out.find("acceptance rate = 0 (every proposal rejected") != std::string::npos);
    const Result f = run_ssbsim(s, "analyze frozen.h5");
    REQUIRE(f.status == 0);
    INFO(f.out);
    for (const char* word : {"rejected every proposal", "Creutz's identity fails",
                             "not in equilibrium", "hmc has no step-size bias"})
        CHECK(f.out.find(word) != std::string::npos);
    CHECK(f.out.find("step-size bias: the") == std::string::npos);
}

TEST_CASE("analyze: a scan is grouped by the recorded deck, whatever the file names",
          "[analyze][cli]") {
    // Two sizes x four couplings under scrambled names; analyze must find action.m2 as the
    // coupling, one curve per size and the crossing between them.
    Scratch s("analyze-grouping");
    std::vector<std::string> files;
    int k = 0;
    for (const char* dims : {"8 8", "4 4"})
        for (const char* m2 : {"-1.5", "-1.0", "0.5", "-0.25"}) {
            const std::string name = "run" + std::to_string(7 * k++ % 8) + ".h5";
            const Result r = run_ssbsim(
                s, "run " + deck_path("ising2d_broken.ini") + " --set lattice.dims='" + dims +
                       "' --set action.m2=" + m2 +
                       " --set dynamics.steps=8000 --set measure.every=20 --set dynamics.step=0.1"
                       " -o " +
                       name);
            REQUIRE(r.status == 0);
            files.push_back(name);
        }
    const Result r = run_ssbsim(s, "analyze run*.h5 --json --write");
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(valid_json(s, r.out));
    REQUIRE(r.out.find("\"coupling\": \"action.m2\"") != std::string::npos);
    REQUIRE(r.out.find("\"label\": \"4x4\"") < r.out.find("\"label\": \"8x8\""));
    const Json parsed = Json::parse(r.out);
    for (const Json& curve : parsed["scan"]["curves"])
        REQUIRE(curve["x"] == Json::parse("[-1.5, -1, -0.25, 0.5]"));
    REQUIRE(parsed["scan"]["crossings"][0]["small"] == "4x4");
    REQUIRE(parsed["scan"]["crossings"][0]["large"] == "8x8");
    // The crossing is stored in every file of the scan.
    const h5::Group c =
        h5::File::open_read(s.path("run3.h5")).root().open_group("analysis/crossings");
    REQUIRE(c.read_attr_string("coupling") == "action.m2");
    REQUIRE(c.read_attr_int64("n_crossings") == 1);
}

TEST_CASE("analyze: unusable input is named, exits 2, never crashes", "[analyze][cli][errors]") {
    Scratch s("analyze-errors");
    const std::string good = good_run(s, "good.h5");

    require_unusable(s, "", "analyze", "no files given");
    require_unusable(s, "missing.h5", "missing.h5", "no such file");
    s.write("text.h5", "this is not HDF5\n");
    require_unusable(s, "text.h5", "text.h5", "not an HDF5 file");
    require_unusable(s, "good.h5 --json --csv", "--csv", "exclude");
    require_unusable(s, "good.h5 --skip 100000", "good.h5", "leaves no measurements");
    require_unusable(s, "good.h5 --skip=-3", "--skip", "negative");

    // A file cut short on disk (a full disk, a copy that died).
    std::filesystem::copy_file(good, s.path("cut.h5"));
    std::filesystem::resize_file(s.path("cut.h5"), std::filesystem::file_size(good) / 2);
    {
        const Result r = run_ssbsim(s, "analyze cut.h5");
        INFO(r.err);
        REQUIRE(r.status == 2);
        REQUIRE(r.err.find("cut.h5") != std::string::npos);
    }
    // Too few samples for any error estimate.
    REQUIRE(
        run_ssbsim(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=60 -o short.h5")
            .status == 0);
    require_unusable(s, "short.h5", "short.h5", "too few samples");
    require_unusable(s, "short.h5 --skip 0", "short.h5", "too few samples");

    // An ssbsim-like file without the observables the analysis needs, and one with none at all.
    {
        h5::File f = h5::File::create(s.path("old.h5"), false);
        h5::Group root = f.root();
        root.write_attr("deck", h5::File::open_read(good).root().read_attr_string("deck"));
        root.write_attr("dims", std::vector<std::int64_t>{8, 8});
        h5::Group obs = root.create_group("observables");
        const std::vector<std::int64_t> steps(200, 1);
        obs.write_dataset("step", steps.data(), {200});
        const std::vector<double> x(200, 0.5);
        obs.write_dataset("action", x.data(), {200});
        h5::File e = h5::File::create(s.path("empty.h5"), false);
        h5::Group eroot = e.root();
        eroot.write_attr("deck", root.read_attr_string("deck"));
        eroot.write_attr("dims", std::vector<std::int64_t>{8, 8});
        eroot.create_group("observables").create_extendible("step", h5::Dtype::i64, {}, 16, 0);
        h5::Group eo = eroot.open_group("observables");
        for (const char* name : {"abs_magnetization", "magnetization2", "magnetization4", "action",
                                 "structure_factor_zero", "temperature"})
            eo.create_extendible(name, h5::Dtype::f64, {}, 16, 0);
        eo.create_extendible("structure_factor", h5::Dtype::f64, {2}, 16, 0);
    }
    require_unusable(s, "old.h5", "old.h5", "/observables/abs_magnetization is missing");
    require_unusable(s, "empty.h5", "empty.h5", "no measurements");

    // Several files: every unusable one is listed, nothing is printed or written.
    const Result r = run_ssbsim(s, "analyze good.h5 missing.h5 short.h5 --write");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("2 of 3 files are unusable") != std::string::npos);
    REQUIRE(r.out.empty());
    REQUIRE_FALSE(h5::File::open_read(good).root().exists("analysis"));
}

TEST_CASE("analyze: incomplete, killed and constant runs give warnings and n/a, not numbers",
          "[analyze][cli][errors]") {
    Scratch s("analyze-partial");
    // A run that stopped early (recorded dynamics.steps beyond its last measurement).
    const std::string file = good_run(s, "stopped.h5");
    {
        h5::File f = h5::File::open_rw(file);
        h5::Group root = f.root();
        std::string deck = root.read_attr_string("deck");
        deck = std::regex_replace(deck, std::regex("steps = 4000"), "steps = 9000");
        root.write_attr("deck", deck);
    }
    const Result r = run_ssbsim(s, "analyze stopped.h5");
    REQUIRE(r.status == 0);
    REQUIRE(r.out.find(
                "incomplete run: the last measurement is at step 4000 of dynamics.steps = 9000") !=
            std::string::npos);

    // A run killed while writing: a usable prefix or a clear refusal, never a crash.
    const std::string kill = "cd '" + s.dir.string() + "' && timeout -s KILL 1 '" + SSBSIM_BINARY +
                             "' run '" + deck_path("free_field.ini") +
                             "' --set dynamics.steps=100000000 -o killed.h5 > /dev/null 2>&1";
    REQUIRE(std::system(kill.c_str()) != 0);
    const Result k = run_ssbsim(s, "analyze killed.h5");
    INFO(k.err);
    REQUIRE((k.status == 0 || k.status == 2));
    if (k.status == 2)
        REQUIRE(k.err.find("killed.h5") != std::string::npos);
    else
        REQUIRE(k.out.find("incomplete run") != std::string::npos);

    // Gradient flow from the symmetric point: every observable is exactly 0 for ever. Means are
    // exact, errors 0; the Binder cumulant 1 - 0/0 and xi2 do not exist.
    REQUIRE(run_ssbsim(s, "run " + deck_path("symmetric_init.ini") + " -o flat.h5").status == 0);
    const Result flat = run_ssbsim(s, "analyze flat.h5 --json");
    INFO(flat.err);
    REQUIRE(flat.status == 0);
    REQUIRE(valid_json(s, flat.out));
    REQUIRE(json_value(flat.out, "abs_magnetization") == 0.0);
    REQUIRE(json_value(flat.out, "abs_magnetization", "error") == 0.0);
    REQUIRE(std::isnan(json_value(flat.out, "binder")));
    REQUIRE(std::isnan(json_value(flat.out, "xi2")));
    REQUIRE(std::isnan(json_value(flat.out, "specific_heat")));
    const Result flat_table = run_ssbsim(s, "analyze flat.h5");
    REQUIRE(flat_table.out.find("nan") == std::string::npos);
    REQUIRE(flat_table.out.find("T = 0 (gradient flow)") != std::string::npos);
}

namespace {

// The text of a deck in inputs/ with exact line replacements, written into the scratch dir.
std::string deck_variant(const Scratch& s, const std::string& deck, const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& edits) {
    std::string text = slurp(deck_path(deck));
    for (const auto& [from, to] : edits) {
        const std::size_t at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
    }
    return s.write(name, text);
}

// Runs every point of a scan deck, two at a time with --point (the array-job way); returns the
// run outputs (checkpoints left out).
std::vector<std::string> run_scan(const Scratch& s, const std::string& deck) {
    const Result list = run_ssbsim(s, "run '" + deck + "' --list-points");
    INFO(list.err);
    REQUIRE(list.status == 0);
    const auto points = std::count(list.out.begin(), list.out.end(), '\n');
    REQUIRE(points > 0);
    const std::string cmd = "cd '" + s.dir.string() + "' && seq 0 " + std::to_string(points - 1) +
                            " | xargs -P 2 -I{} '" + SSBSIM_BINARY + "' run '" + deck +
                            "' --point {} > /dev/null 2> scan.err";
    INFO(slurp(s.path("scan.err")));
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(s.dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".h5" && name.find(".ckpt") == std::string::npos)
            files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    REQUIRE(static_cast<long>(files.size()) == points);
    return files;
}

struct CrossingRow {
    std::string small, large;
    double x, x_error, binder, binder_error;
};

// analyze --write over the files, then the crossings as stored in the first file.
std::vector<CrossingRow> crossings_of(const Scratch& s, const std::vector<std::string>& files,
                                      std::string& table) {
    std::string list;
    for (const std::string& f : files)
        list += " '" + f + "'";
    const Result r = run_ssbsim(s, "analyze" + list + " --write");
    INFO(r.err);
    REQUIRE(r.status == 0);
    table = r.out;
    const h5::Group c =
        h5::File::open_read(s.path(files.front())).root().open_group("analysis/crossings");
    REQUIRE(c.read_attr_string("coupling") == "action.m2");
    std::vector<CrossingRow> rows;
    if (c.read_attr_int64("n_crossings") == 0) return rows;
    const auto small = c.read_attr_strings("small"), large = c.read_attr_strings("large");
    const auto x = c.read_attr_doubles("x"), xe = c.read_attr_doubles("x_error");
    const auto u = c.read_attr_doubles("binder"), ue = c.read_attr_doubles("binder_error");
    for (std::size_t i = 0; i < x.size(); ++i)
        rows.push_back({small[i], large[i], x[i], xe[i], u[i], ue[i]});
    return rows;
}

// "8x8/16x16: m2* = x +- e, U* = u +- e" for the test's messages.
std::string describe(const CrossingRow& c) {
    std::ostringstream o;
    o << "crossing " << c.small << "/" << c.large << ": m2* = " << c.x << " +- " << c.x_error
      << ", U* = " << c.binder << " +- " << c.binder_error << " (Ising: 0.61069)";
    return o.str();
}

} // namespace

TEST_CASE("binder_scan_2d at CI size: the 8x8/16x16 Binder crossing is within 0.05 of m2 = -1.27",
          "[analyze][scan][physics]") {
    // The shipped deck without its largest lattice and at 30 % of its length: 10 points.
    Scratch s("binder-ci");
    const std::string deck =
        deck_variant(s, "binder_scan_2d.ini", "binder_ci.ini",
                     {{"lattice.dims = 8 8, 16 16, 32 32", "lattice.dims = 8 8, 16 16"},
                      {"steps = 1000000", "steps = 300000"}});
    const std::vector<std::string> files = run_scan(s, deck);
    REQUIRE(files.size() == 10);
    std::string table;
    const std::vector<CrossingRow> c = crossings_of(s, files, table);
    INFO(table);
    REQUIRE(c.size() == 1);
    INFO(describe(c[0]));
    CHECK(c[0].small == "8x8");
    CHECK(std::abs(c[0].x + 1.27) < 0.05);
    CHECK(c[0].x_error < 0.015);
    CHECK(c[0].binder > 0.45);
    CHECK(c[0].binder < 2.0 / 3.0);
}

TEST_CASE("the published point: 32x32, lambda = 0.5, m2 = -0.7 reproduces <S/V> and <|M|>",
          "[analyze][physics][long]") {
    // Reference (docs/validation.md): <S/V> = 0.35903(98), <|M|> = 0.4346(64),
    // U = 0.524, chi = 34.5 (no errors quoted for those two). langevin2 at eps = 0.01 biases S/V
    // by ~ -2e-4 (O(eps^2), from the Schwinger-Dyson estimator's 1e-3), a fifth of the reference
    // error. Two seeds run side by side and are combined.
    Scratch s("published-point");
    const std::string deck = s.write("point.ini", R"([lattice]
dims = 32 32
[field]
init = hot
[action]
m2 = -0.7
lambda = 0.5
[dynamics]
method = langevin2
step = 0.01
steps = 4000000
[measure]
every = 100
[scan]
run.seed = 1, 2
)");
    const std::vector<std::string> files = run_scan(s, deck);
    const Result r = run_ssbsim(s, "analyze " + files[0] + " " + files[1] + " --json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto combined = [&](const std::string& name) {
        // Inverse-variance mean of the two independent runs.
        const std::size_t second = r.out.find("\"file\": \"" + files[1]);
        REQUIRE(second != std::string::npos);
        const std::string one = r.out.substr(0, second), two = r.out.substr(second);
        const double v1 = json_value(one, name), e1 = json_value(one, name, "error");
        const double v2 = json_value(two, name), e2 = json_value(two, name, "error");
        const double w1 = 1 / (e1 * e1), w2 = 1 / (e2 * e2);
        return std::pair{(w1 * v1 + w2 * v2) / (w1 + w2), 1 / std::sqrt(w1 + w2)};
    };
    const auto [action, action_error] = combined("action");
    const auto [abs_m, abs_m_error] = combined("abs_magnetization");
    const auto [u, u_error] = combined("binder");
    const auto [chi, chi_error] = combined("chi");
    const auto [sd, sd_error] = combined("schwinger_dyson");
    INFO("<S/V> = " << action << " +- " << action_error << " (0.35903(98)); <|M|> = " << abs_m
                    << " +- " << abs_m_error << " (0.4346(64)); U = " << u << " +- " << u_error
                    << " (0.524); chi = " << chi << " +- " << chi_error << " (34.5); SD = " << sd
                    << " +- " << sd_error);
    CHECK(std::abs(action - 0.35903) < 3 * std::hypot(action_error, 0.00098));
    CHECK(std::abs(abs_m - 0.4346) < 3 * std::hypot(abs_m_error, 0.0064));
    CHECK(abs_m_error < 0.01);
    CHECK(std::abs(sd - 1) < 0.003);
}

TEST_CASE("binder_scan_2d long: the 32x32/64x64 crossing near m2 = -1.27 with U* within 3 sigma "
          "of 0.61069",
          "[analyze][scan][physics][long]") {
    // The shipped deck's physics on the two sizes beyond it, four couplings around the crossing:
    // 8 points, ~15-30 minutes on two cores. U* approaches the Ising value slowly at lambda = 1
    // (0.551, 0.585, 0.597 for 8/16, 16/32, 32/64 in our runs; this test: m2* = -1.2825(20),
    // U* = 0.5971(57), 2.4 sigma low): corrections to scaling of ~0.01 remain at 32/64, so the
    // 3-sigma criterion holds only while sigma(U*) is ~0.005 or more. Tightening the statistics
    // needs larger lattices, not longer runs.
    Scratch s("binder-long");
    const std::string deck =
        deck_variant(s, "binder_scan_2d.ini", "binder_long.ini",
                     {{"lattice.dims = 8 8, 16 16, 32 32", "lattice.dims = 32 32, 64 64"},
                      {"action.m2 = -1.35:-1.19:0.04", "action.m2 = -1.31:-1.25:0.02"},
                      {"steps = 1000000", "steps = 3000000"},
                      {"every = 50", "every = 100"}});
    const std::vector<std::string> files = run_scan(s, deck);
    REQUIRE(files.size() == 8);
    std::string table;
    const std::vector<CrossingRow> c = crossings_of(s, files, table);
    INFO(table);
    REQUIRE(c.size() == 1);
    INFO(describe(c[0]));
    CHECK(std::abs(c[0].x + 1.27) < 0.05);
    CHECK(std::abs(c[0].binder - 0.61069) < 3.0 * c[0].binder_error);
    CHECK(c[0].binder_error < 0.015);
}

// The Schwinger-Dyson mean of every point of an exact sampler's scan is 1 within 3 sigma.
void require_no_bias(const Scratch& s, const std::vector<std::string>& files) {
    for (const std::string& f : files) {
        const Result r = run_ssbsim(s, "analyze '" + f + "' --json");
        REQUIRE(r.status == 0);
        INFO(f << ": " << r.out);
        const double sd = json_value(r.out, "schwinger_dyson");
        CHECK(std::abs(sd - 1.0) < 3.0 * json_value(r.out, "schwinger_dyson", "error"));
        CHECK(json_value(r.out, "accepted") > 0.5);
    }
}

TEST_CASE("critical_point_2d at CI size: HMC + Swendsen-Wang, no bias, the 16x16/32x32 crossing",
          "[analyze][scan][physics][cluster]") {
    // The shipped exact-sampler deck on 16^2 and 32^2 at 10 % of its length, three couplings
    // around the small-lattice crossing: 6 points, seconds. Every Schwinger-Dyson mean is 1
    // within 3 sigma (an exact sampler has no step-size bias; langevin2 at eps = 0.05 is 5 %
    // off here), and the crossing lies where the long test's larger lattices put it, moving
    // towards m2_c ~ -1.272 from above as L grows.
    Scratch s("critical-ci");
    const std::string deck =
        deck_variant(s, "critical_point_2d.ini", "critical_ci.ini",
                     {{"lattice.dims = 32 32, 64 64, 128 128", "lattice.dims = 16 16, 32 32"},
                      {"action.m2 = -1.278, -1.272, -1.266", "action.m2 = -1.29, -1.265, -1.24"},
                      {"steps = 60000", "steps = 6000"},
                      {"every = 2", "every = 1"}});
    const std::vector<std::string> files = run_scan(s, deck);
    REQUIRE(files.size() == 6);
    require_no_bias(s, files);
    std::string table;
    const std::vector<CrossingRow> c = crossings_of(s, files, table);
    INFO(table);
    REQUIRE(c.size() == 1);
    INFO(describe(c[0]));
    CHECK(std::abs(c[0].x + 1.258) < 0.02);
    CHECK(c[0].x_error < 0.01);
    CHECK(c[0].binder > 0.55);
    CHECK(c[0].binder < 0.61069);
}

TEST_CASE("critical_point_2d long: HMC + Swendsen-Wang at 32^2-256^2, the 128/256 crossing within "
          "2 sigma of U* = 0.61069",
          "[analyze][scan][physics][cluster][long]") {
    // The shipped deck plus 256^2 (40000 trajectories there, tied to the size by [scan]
    // together): 12 points, ~20 minutes of one core. With an exact sampler the crossings approach
    // the Ising value as the corrections to scaling die out. Our run (docs/analysis.md): 32/64 at
    // m2* = -1.27039(54) with U* = 0.5997(19), 64/128 at -1.27155(39) with 0.6052(27) (2.0 sigma
    // low), 128/256 at -1.27189(16) with 0.6084(42) (0.5 sigma; Salas & Sokal: 0.61069). So only
    // the largest pair is held to 2 sigma; the others must cross at the same m2 within 0.003.
    Scratch s("critical-long");
    const std::string deck = deck_variant(
        s, "critical_point_2d.ini", "critical_long.ini",
        {{"steps = 60000\n", ""},
         {"lattice.dims = 32 32, 64 64, 128 128", "lattice.dims = 32 32, 64 64, 128 128, 256 256\n"
                                                  "dynamics.steps = 60000, 60000, 60000, 40000\n"
                                                  "together = lattice.dims dynamics.steps"}});
    const std::vector<std::string> files = run_scan(s, deck);
    REQUIRE(files.size() == 12);
    require_no_bias(s, files);
    std::string table;
    const std::vector<CrossingRow> c = crossings_of(s, files, table);
    INFO(table);
    REQUIRE(c.size() == 3);
    for (const CrossingRow& r : c) {
        INFO(describe(r));
        CHECK(std::abs(r.x + 1.2715) < 0.003);
    }
    const CrossingRow& largest = c.back();
    REQUIRE(largest.small == "128x128");
    CHECK(std::abs(largest.binder - 0.61069) < 2.0 * largest.binder_error);
    CHECK(largest.binder_error < 0.006);
}

TEST_CASE("analyze combines the replicas of a run as independent chains, and says so",
          "[analyze][cli][replicas]") {
    // Four replicas of a broken-phase 8x8 run: the estimate of <|M|> is the mean over all four
    // replicas' rows after one common cut (each replica's MSER cut, the largest wins), not
    // replica 0's alone; the table and the JSON say how many were combined.
    Scratch s("analyze-replicas");
    const Result run = run_ssbsim(s, "run " + deck_path("ising2d_broken.ini") +
                                         " --set lattice.dims='8 8' --set run.replicas=4 "
                                         "--set dynamics.steps=20000 -o four.h5");
    REQUIRE(run.status == 0);
    const analysis::RunData data = analysis::read_run(s.path("four.h5"));
    REQUIRE(data.replicas == 4);
    const analysis::FileAnalysis fa = analysis::analyze_run(data, {});
    REQUIRE(fa.replicas == 4);

    const h5::File file = h5::File::open_read(s.path("four.h5"));
    const std::vector<double> all =
        file.root().open_dataset("replicas/abs_magnetization").read_double(); // [n, 4]
    const std::size_t n = all.size() / 4;
    REQUIRE(n == fa.measurements);
    double sum = 0.0, sum0 = 0.0;
    for (std::size_t i = fa.skip; i < n; ++i) {
        for (std::size_t r = 0; r < 4; ++r)
            sum += all[i * 4 + r];
        sum0 += all[i * 4];
    }
    const double used = static_cast<double>(n - fa.skip);
    const analysis::Estimate* m = fa.find("abs_magnetization");
    REQUIRE(m != nullptr);
    CHECK(m->value == Approx(sum / (4.0 * used)).epsilon(1e-12));
    CHECK(m->n_samples == 4 * (n - fa.skip));
    CHECK(m->value != sum0 / used);

    const Result table = run_ssbsim(s, "analyze four.h5");
    REQUIRE(table.status == 0);
    CHECK(table.out.find("4 replicas combined as independent chains") != std::string::npos);
    const Result json = run_ssbsim(s, "analyze four.h5 --json");
    s.write("a.json", json.out);
    CHECK(py_number(s, "a.json", "d['files'][0]['replicas']") == 4);
}
