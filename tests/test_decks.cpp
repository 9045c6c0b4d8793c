// End to end: every deck in inputs/ runs (shortened) through the ssbsim program and its HDF5
// output shows the physics the deck is there to show; the output is self-describing; bad decks
// fail with status 2 before any file exists.
#include "cli.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

std::vector<double> column(const std::string& file, const std::string& name) {
    return h5::File::open_read(file).root().open_dataset("observables/" + name).read_double();
}

double mean_abs(const std::vector<double>& v, std::size_t from, std::size_t to) {
    double s = 0.0;
    for (std::size_t i = from; i < to; ++i)
        s += std::abs(v[i]);
    return s / static_cast<double>(to - from);
}

} // namespace

TEST_CASE("every example deck is valid and runnable", "[decks]") {
    Scratch s("all-decks");
    for (const auto& entry : std::filesystem::directory_iterator(SSBSIM_SOURCE_DIR "/inputs")) {
        if (entry.path().extension() != ".ini") continue;
        INFO(entry.path());
        // A scan deck runs its first point; a deck that scans the run length (and with it the
        // measurement interval) gets one short one.
        const std::string text = slurp(entry.path().string());
        const auto scan = text.find("[scan]");
        const bool scans_steps =
            scan != std::string::npos && text.find("dynamics.steps", scan) != std::string::npos;
        const bool scans_every =
            scans_steps && text.find("measure.every", scan) != std::string::npos;
        const std::string steps =
            !scans_steps ? "dynamics.steps=20"
                         : "scan.dynamics.steps=20" +
                               std::string(scans_every ? " --set scan.measure.every=5" : "");
        const std::string point = scan != std::string::npos ? " --point 0" : "";
        const Result r = run_ssbsim(s, "run '" + entry.path().string() + "' --set " + steps +
                                           " --output out.h5 --overwrite" + point);
        REQUIRE(r.status == 0);
        REQUIRE(r.out.find("final step 20") != std::string::npos);
    }
}

TEST_CASE("the output file describes itself", "[decks][output]") {
    Scratch s("self-describing");
    REQUIRE(run_ssbsim(s, "run " + deck_path("free_field.ini") +
                              " --set dynamics.steps=100 --set measure.save_every=50 -o f.h5")
                .status == 0);
    const h5::File f = h5::File::open_read(s.path("f.h5"));
    const h5::Group root = f.root();
    REQUIRE(root.read_attr_string("ssbsim_version").size() > 0);
    REQUIRE(root.read_attr_int64("seed") == 2026);
    // The recorded deck is complete and loads back to the same run.
    const std::string deck = root.read_attr_string("deck");
    const Config c = load_deck_text(deck, {}, "recorded.ini");
    REQUIRE(c.dynamics.steps == 100);
    REQUIRE(c.action.m2 == 1.0);
    REQUIRE(deck.find("[measure]") != std::string::npos);
    // Both parametrisations of the action.
    const h5::Group p = root.open_group("parameters");
    REQUIRE(p.read_attr_double("m2") == 1.0);
    REQUIRE(p.has_attr("kappa"));
    // Every dataset has units and a description; columns agree in length.
    const std::size_t n = column(s.path("f.h5"), "step").size();
    REQUIRE(n == 51);
    for (const std::string group : {"observables", "configurations"})
        for (const std::string& name : root.open_group(group).children()) {
            INFO(group << "/" << name);
            const h5::Dataset d = root.open_dataset(group + "/" + name);
            REQUIRE(d.has_attr("description"));
            REQUIRE(d.has_attr("units"));
            if (group == "observables")
                REQUIRE(d.shape().at(0) == n);
            else
                REQUIRE(d.shape().at(0) == 2);
        }
    REQUIRE(root.open_dataset("configurations/field").shape() ==
            std::vector<std::uint64_t>{2, 8, 8, 1});
    REQUIRE(root.open_dataset("configurations/step").read_int64() ==
            std::vector<std::int64_t>{50, 100});
    const Result info = run_ssbsim(s, "info f.h5");
    REQUIRE(info.status == 0);
    REQUIRE(info.out.find("last step: 100") != std::string::npos);
    REQUIRE(info.out.find("/observables/phi2") != std::string::npos);
}

TEST_CASE("ising2d_broken: the field orders in the broken phase", "[decks]") {
    Scratch s("broken");
    REQUIRE(run_ssbsim(s, "run " + deck_path("ising2d_broken.ini") +
                              " --set dynamics.steps=6000 -o b.h5")
                .status == 0);
    const auto m = column(s.path("b.h5"), "magnetization");
    REQUIRE(mean_abs(m, m.size() / 2, m.size()) > 0.6);
}

TEST_CASE("symmetric_init: gradient flow keeps phi = 0 exactly, noise breaks it", "[decks]") {
    Scratch s("symmetric");
    REQUIRE(run_ssbsim(s, "run " + deck_path("symmetric_init.ini") + " -o flow.h5").status == 0);
    const h5::File f = h5::File::open_read(s.path("flow.h5"));
    for (double x : f.root().open_dataset("configurations/field").read_double())
        REQUIRE(x == 0.0);
    for (double x : column(s.path("flow.h5"), "phi2"))
        REQUIRE(x == 0.0);

    REQUIRE(run_ssbsim(s, "run " + deck_path("symmetric_init.ini") +
                              " --set dynamics.method=langevin --set dynamics.temperature=0.05 -o "
                              "noisy.h5")
                .status == 0);
    const auto m = column(s.path("noisy.h5"), "magnetization");
    const auto phi2 = column(s.path("noisy.h5"), "phi2");
    REQUIRE(phi2.back() > 0.5); // the field has rolled into the Mexican-hat valley
    REQUIRE(mean_abs(m, m.size() - 10, m.size()) > 0.0);
}

TEST_CASE("anneal: the order parameter appears towards the end of training", "[decks]") {
    Scratch s("anneal");
    REQUIRE(run_ssbsim(s, "run " + deck_path("anneal.ini") +
                              " --set dynamics.steps=16000 --set measure.every=20 -o a.h5")
                .status == 0);
    const auto m = column(s.path("a.h5"), "magnetization");
    const auto T = column(s.path("a.h5"), "temperature");
    REQUIRE(T.front() == 3.0);
    REQUIRE(T.back() == Approx(0.02));
    const std::size_t n = m.size();
    INFO("early " << mean_abs(m, 0, n / 3) << " late " << mean_abs(m, n - n / 10, n));
    REQUIRE(mean_abs(m, 0, n / 3) < 0.25);
    REQUIRE(mean_abs(m, n - n / 10, n) > 0.9);
}

TEST_CASE("hopping-form and mass-form decks of the same theory run the same physics", "[decks]") {
    Scratch s("hopping");
    const std::string common = "[lattice]\ndims = 6 8\n[dynamics]\nsteps = 200\nstep = 0.02\n"
                               "[field]\ninit = hot\n";
    s.write("k.ini", common + "[action]\nform = hopping\nkappa = 0.25\nlambda = 0.3\n");
    REQUIRE(run_ssbsim(s, "run k.ini -o k.h5").status == 0);
    // The mass-form parameters the hopping deck was converted to, written back exactly.
    const h5::Group p = h5::File::open_read(s.path("k.h5")).root().open_group("parameters");
    char mass[200];
    std::snprintf(mass, sizeof mass, "[action]\nm2 = %.17g\nlambda = %.17g\n",
                  p.read_attr_double("m2"), p.read_attr_double("lambda"));
    REQUIRE(p.read_attr_double("m2") == Approx((1.0 - 0.6) / 0.25 - 4.0));
    REQUIRE(p.read_attr_double("lambda") == Approx(0.3 / 0.0625));
    REQUIRE(p.read_attr_double("kappa") == Approx(0.25).epsilon(1e-14));
    REQUIRE(p.read_attr_double("lambda_hopping") == Approx(0.3).epsilon(1e-14));
    s.write("m.ini", common + mass);
    REQUIRE(run_ssbsim(s, "run m.ini -o m.h5").status == 0);
    for (const char* name : {"phi2", "action", "magnetization"})
        REQUIRE(column(s.path("k.h5"), name) == column(s.path("m.h5"), name));
}

TEST_CASE("hopping-form runs record the hopping-form action density S_K/V", "[decks]") {
    // S_K = sum_x [-2 kappa sum_mu phi_x phi_{x+mu} + phi_x^2 + lambda_K (phi_x^2 - 1)^2],
    // summed here site by site on the last saved configuration, phi_K = phi_M / scale.
    Scratch s("hopping-density");
    const double kappa = 0.25, lambda_k = 0.3;
    s.write("k.ini", "[lattice]\ndims = 6 8\n[dynamics]\nsteps = 200\nstep = 0.02\n"
                     "[field]\ninit = hot\n[action]\nform = hopping\nkappa = 0.25\n"
                     "lambda = 0.3\n");
    REQUIRE(run_ssbsim(s, "run k.ini -o k.h5").status == 0);
    const h5::File f = h5::File::open_read(s.path("k.h5"));
    const h5::Group root = f.root();
    const std::vector<double> action = column(s.path("k.h5"), "action");
    const std::vector<double> hopping = column(s.path("k.h5"), "action_hopping");
    REQUIRE(hopping.size() == action.size());
    for (std::size_t i = 0; i < action.size(); ++i)
        REQUIRE(hopping[i] == action[i] + lambda_k);
    const double scale = root.open_group("parameters").read_attr_double("hopping_field_scale");
    const std::vector<double> phi = root.open_dataset("configurations/field").read_double();
    const int lx = 6, ly = 8;
    REQUIRE(phi.size() >= static_cast<std::size_t>(lx * ly));
    const double* last = phi.data() + phi.size() - lx * ly; // [x][y], N = 1
    const auto at = [&](int x, int y) {
        return last[((x + lx) % lx) * ly + (y + ly) % ly] / scale;
    };
    double sum = 0.0;
    for (int x = 0; x < lx; ++x)
        for (int y = 0; y < ly; ++y) {
            const double p = at(x, y), p2 = p * p;
            sum += -2.0 * kappa * p * (at(x + 1, y) + at(x, y + 1)) + p2 +
                   lambda_k * (p2 - 1.0) * (p2 - 1.0);
        }
    CHECK(hopping.back() == Approx(sum / (lx * ly)).epsilon(1e-12));
    // A mass-form run has no such column.
    REQUIRE(run_ssbsim(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=10 -o m.h5")
                .status == 0);
    CHECK_FALSE(h5::File::open_read(s.path("m.h5")).root().exists("observables/action_hopping"));
}

TEST_CASE("the time column: step x eps exactly, a compensated sum with a step schedule",
          "[decks]") {
    Scratch s("time-column");
    // Constant step: 10^4 steps of 0.1 end at t = 1000 exactly (a running sum: 999.9999999992).
    REQUIRE(run_ssbsim(s, "run " + deck_path("free_field.ini") +
                              " --set dynamics.steps=10000 --set measure.every=1000 -o c.h5")
                .status == 0);
    const std::vector<double> t = column(s.path("c.h5"), "time");
    const std::vector<std::int64_t> step =
        h5::File::open_read(s.path("c.h5")).root().open_dataset("observables/step").read_int64();
    for (std::size_t i = 0; i < t.size(); ++i)
        REQUIRE(t[i] == static_cast<double>(step[i]) * 0.1);
    REQUIRE(t.back() == 1000.0);
    // A step schedule: time equals the exact sum of the steps in force (every step measured)
    // to 1 ulp; the reference sum is a Neumaier sum in long double.
    s.write("sched.ini", "[lattice]\ndims = 4 4\n[dynamics]\nmethod = flow\nsteps = 20000\n"
                         "[schedule]\nstep = exp 0.1 0.001\n[measure]\nevery = 1\n");
    REQUIRE(run_ssbsim(s, "run sched.ini -o s.h5").status == 0);
    const std::vector<double> ts = column(s.path("s.h5"), "time");
    const std::vector<double> eps = column(s.path("s.h5"), "step_size");
    long double sum = 0.0L, carry = 0.0L;
    double worst = 0.0;
    for (std::size_t i = 1; i < ts.size(); ++i) {
        const long double x = eps[i - 1], u = sum + x;
        carry += std::abs(sum) >= std::abs(x) ? (sum - u) + x : (x - u) + sum;
        sum = u;
        const double exact = static_cast<double>(sum + carry);
        const double ulp = std::nextafter(exact, 1e300) - exact;
        worst = std::max(worst, std::abs(ts[i] - exact) / ulp);
    }
    CAPTURE(worst, ts.back());
    CHECK(worst <= 1.0); // in ulps of t
}

TEST_CASE("init = file continues from the last saved configuration", "[decks]") {
    Scratch s("init-file");
    REQUIRE(run_ssbsim(s, "run " + deck_path("ising2d_broken.ini") +
                              " --set dynamics.steps=200 -o first.h5")
                .status == 0);
    REQUIRE(run_ssbsim(s, "run " + deck_path("ising2d_broken.ini") +
                              " --set dynamics.steps=0 --set field.init=file "
                              "--set field.init_file=first.h5 -o second.h5")
                .status == 0);
    const auto a =
        h5::File::open_read(s.path("first.h5")).root().open_dataset("configurations/field");
    const auto b =
        h5::File::open_read(s.path("second.h5")).root().open_dataset("configurations/field");
    REQUIRE(a.read_rows_double(a.shape()[0] - 1, 1) == b.read_rows_double(0, 1));
    // A file of another lattice is refused, naming the key, before any output exists.
    const Result r =
        run_ssbsim(s, "run " + deck_path("free_field.ini") +
                          " --set field.init=file --set field.init_file=first.h5 -o x.h5");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("field.init_file") != std::string::npos);
    REQUIRE_FALSE(std::filesystem::exists(s.path("x.h5")));
}

TEST_CASE("bad decks exit with status 2, name the key and create no file", "[decks][errors]") {
    struct Case {
        std::string set, expect;
    };
    const std::vector<Case> cases = {
        {"--set action.m3=1", "action.m2"},          // unknown key: did you mean
        {"--set action.m2=abc", "action.m2"},        // wrong type
        {"--set action.lambda=-1", "action.lambda"}, // out of range
        {"--set lattice.dims=8,1", "lattice.dims"},  // extent below 2
        {"--set dynamics.step=0", "dynamics.step"},  // must be positive
        {"--set dynamics.method=euler", "dynamics.method"},
        {"--set field.components=0", "field.components"},
        {"--set lattice.dims=", "lattice.dims"}, // missing required value
    };
    Scratch s("bad-decks");
    for (const Case& c : cases) {
        INFO(c.set);
        const Result r =
            run_ssbsim(s, "run " + deck_path("free_field.ini") + " " + c.set + " -o bad.h5");
        REQUIRE(r.status == 2);
        REQUIRE(r.err.find(c.expect) != std::string::npos);
        REQUIRE_FALSE(std::filesystem::exists(s.path("bad.h5")));
    }
}

TEST_CASE("an existing output is kept unless overwriting is asked for", "[decks][errors]") {
    Scratch s("overwrite");
    s.write("keep.h5", "precious");
    const Result r = run_ssbsim(s, "run " + deck_path("free_field.ini") + " -o keep.h5");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("run.overwrite") != std::string::npos);
    REQUIRE(slurp(s.path("keep.h5")) == "precious");
    REQUIRE(run_ssbsim(s, "run " + deck_path("free_field.ini") +
                              " --set dynamics.steps=10 -o keep.h5 --overwrite")
                .status == 0);
    REQUIRE(h5::is_hdf5(s.path("keep.h5")));
}

TEST_CASE("a [scan] deck expands into named points, run one by one or all", "[decks][scan]") {
    Scratch s("scan");
    s.write("scan.ini", "[action]\nlambda = 1\n[dynamics]\nsteps = 20\n[checkpoint]\nkeep = false\n"
                        "[scan]\naction.m2 = -1.4:-1.2:0.1\nlattice.dims = 6 6, 8 8\n");
    const Result list = run_ssbsim(s, "run scan.ini --list-points");
    REQUIRE(list.status == 0);
    REQUIRE(std::count(list.out.begin(), list.out.end(), '\n') == 6);
    REQUIRE(list.out.find("scan_m2=-1.3_dims=8x8.h5") != std::string::npos);
    // Without a selection nothing runs.
    const Result none = run_ssbsim(s, "run scan.ini");
    REQUIRE(none.status == 2);
    REQUIRE(none.err.find("--all") != std::string::npos);
    REQUIRE(run_ssbsim(s, "run scan.ini --point 3").status == 0);
    const std::string point3 = s.path("scan_m2=-1.3_dims=8x8.h5");
    REQUIRE(h5::is_hdf5(point3));
    const Config c =
        load_deck_text(h5::File::open_read(point3).root().read_attr_string("deck"), {}, "p.ini");
    REQUIRE(c.action.m2 == -1.3);
    REQUIRE(c.lattice.dims == std::vector<std::int64_t>{8, 8});
    REQUIRE(run_ssbsim(s, "run scan.ini --point 6").status == 2);
    REQUIRE(run_ssbsim(s, "run scan.ini --all --overwrite").status == 0);
    // checkpoint.keep = false: the six outputs and the deck, no checkpoints left behind.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(s.dir)) {
        INFO(e.path());
        REQUIRE(e.path().string().find(".ckpt") == std::string::npos);
        files += e.path().extension() == ".h5";
    }
    REQUIRE(files == 6);
    // A bad value in any point is found before anything is written.
    Scratch t("scan-bad");
    t.write("bad.ini",
            "[action]\nlambda = 1\n[lattice]\ndims = 6 6\n[scan]\naction.lambda = 1, -1\n");
    const Result bad = run_ssbsim(t, "run bad.ini --all");
    REQUIRE(bad.status == 2);
    REQUIRE(bad.err.find("action.lambda") != std::string::npos);
    REQUIRE(std::distance(std::filesystem::directory_iterator(t.dir), {}) == 1);
}

TEST_CASE("ssbsim COMMAND --help describes the command and exits 0", "[decks][cli]") {
    Scratch s("help");
    for (const char* command :
         {"run", "keys", "info", "observables", "analyze", "bench", "version"}) {
        INFO(command);
        for (const char* flag : {" --help", " -h"}) {
            const Result r = run_ssbsim(s, std::string(command) + flag);
            REQUIRE(r.status == 0);
            REQUIRE(r.out.find(std::string("usage: ssbsim ") + command) != std::string::npos);
        }
    }
    const Result run = run_ssbsim(s, "run --help");
    CHECK(run.out.find("--output") != std::string::npos); // the options, with their meaning
    CHECK(run.out.find("--resume") != std::string::npos);
}

TEST_CASE("ssbsim info on a checkpoint shows its step and time", "[decks][cli][checkpoint]") {
    Scratch s("info-ckpt");
    REQUIRE(run_ssbsim(s, "run " + deck_path("free_field.ini") +
                              " --set dynamics.steps=300 --set checkpoint.every=100 -o f.h5")
                .status == 0);
    const Result r = run_ssbsim(s, "info f.ckpt.h5");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    REQUIRE(r.out.find("checkpoint: step 300  time 30") != std::string::npos);
    REQUIRE(r.out.find("complete") != std::string::npos);
}

TEST_CASE("the end-of-run means warn when a schedule varies over the second half",
          "[decks][cli][schedule]") {
    Scratch s("summary-schedule");
    const Result fixed =
        run_ssbsim(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=400 -o a.h5");
    REQUIRE(fixed.status == 0);
    CHECK(fixed.out.find("mix ensembles") == std::string::npos);
    const Result scheduled =
        run_ssbsim(s, "run " + deck_path("anneal.ini") + " --set dynamics.steps=2000 -o b.h5");
    INFO(scheduled.out);
    REQUIRE(scheduled.status == 0);
    CHECK(scheduled.out.find("note: temperature varies from") != std::string::npos);
    CHECK(scheduled.out.find("mix ensembles") != std::string::npos);
}
