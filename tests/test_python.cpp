// The Python pictures in analysis/ run through /usr/bin/python3 on real ssbsim outputs, and the
// numbers they plot agree with `ssbsim analyze`: the thermalisation cut, means, the Γ-method
// τ_int (an independent implementation), the Binder cumulant recomputed from the raw columns,
// the crossings, final values of schedule runs, and the configuration behind a heat-map; the
// histogram shows one peak in the symmetric phase and two in the broken one.
#include "cli.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

double analysed(const std::string& file, const std::string& name,
                const std::string& field = "value") {
    return h5::File::open_read(file).root().open_group("analysis/" + name).read_attr_double(field);
}

void require_png(const Scratch& s, const std::string& name) {
    REQUIRE(std::filesystem::exists(s.path(name)));
    REQUIRE(std::filesystem::file_size(s.path(name)) > 10000);
}

void run_ok(const Scratch& s, const std::string& args) {
    const Result r = run_ssbsim(s, args);
    INFO(args << "\n" << r.err);
    REQUIRE(r.status == 0);
}

} // namespace

TEST_CASE("every analysis script answers --help", "[python]") {
    Scratch s("py-help");
    int scripts = 0;
    for (const auto& entry : std::filesystem::directory_iterator(analysis_dir)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with("plot_") || entry.path().extension() != ".py") continue;
        ++scripts;
        INFO(name);
        const Result r = run_script(s, name, "--help");
        REQUIRE(r.status == 0);
        REQUIRE(r.out.find("usage:") != std::string::npos);
        // Bad input is a message and status 2, not a traceback.
        const Result bad = run_script(s, name, "missing.h5");
        REQUIRE(bad.status == 2);
        REQUIRE(bad.err.find("missing.h5") != std::string::npos);
        REQUIRE(bad.err.find("Traceback") == std::string::npos);
    }
    REQUIRE(scripts >= 5);
}

TEST_CASE("plot_timeseries: cut, mean and tau_int agree with ssbsim analyze", "[python]") {
    Scratch s("py-timeseries");
    run_ok(s, "run " + deck_path("free_field.ini") + " -o free.h5");
    run_ok(s, "analyze free.h5 --write");
    for (const char* observable : {"abs_magnetization", "action", "phi2"}) {
        INFO(observable);
        const Result r = run_script(s, "plot_timeseries.py",
                                    std::string("free.h5 --observable ") + observable +
                                        " -o ts.png --json ts.json");
        INFO(r.err);
        REQUIRE(r.status == 0);
        require_png(s, "ts.png");
        const std::string file = s.path("free.h5");
        REQUIRE(py_number(s, "ts.json", "d['skip']") ==
                h5::File::open_read(file).root().open_group("analysis").read_attr_int64("skip"));
        REQUIRE(py_number(s, "ts.json", "d['mean']") ==
                Approx(analysed(file, observable)).epsilon(1e-12));
        REQUIRE(py_number(s, "ts.json", "d['error']") ==
                Approx(analysed(file, observable, "error")).epsilon(1e-6));
        REQUIRE(py_number(s, "ts.json", "d['tau_int']") ==
                Approx(analysed(file, observable, "tau_int")).epsilon(1e-6));
    }
}

TEST_CASE("plot_histogram: one peak in the symmetric phase, two in the broken phase",
          "[python][physics]") {
    // 8x8, lambda = 1: at m2 = -0.8 the field is symmetric; at -1.45 it is ordered and tunnels
    // between +M0 and -M0 often enough in 200000 steps for both peaks to show.
    Scratch s("py-histogram");
    for (const char* m2 : {"-0.8", "-1.45"})
        run_ok(s, "run " + deck_path("ising2d_broken.ini") +
                      " --set lattice.dims='8 8' --set dynamics.steps=200000 --set action.m2=" +
                      m2 + " -o m" + m2 + ".h5");
    run_ok(s, "analyze m-0.8.h5 m-1.45.h5 --write");
    const Result r =
        run_script(s, "plot_histogram.py", "m-0.8.h5 m-1.45.h5 -o h.png --json h.json");
    INFO(r.err << r.out);
    REQUIRE(r.status == 0);
    require_png(s, "h.png");
    CHECK(py_number(s, "h.json", "d['files'][0]['n_peaks']") == 1);
    CHECK(py_number(s, "h.json", "d['files'][1]['n_peaks']") == 2);
    for (int i : {0, 1}) {
        const std::string file = s.path(i == 0 ? "m-0.8.h5" : "m-1.45.h5");
        REQUIRE(py_number(s, "h.json", "d['files'][" + std::to_string(i) + "]['mean_abs_m']") ==
                Approx(analysed(file, "abs_magnetization")).epsilon(1e-12));
    }
}

TEST_CASE("plot_binder: the Binder cumulant, chi and the crossing as ssbsim analyze", "[python]") {
    Scratch s("py-binder");
    for (const char* dims : {"4 4", "8 8"})
        for (const char* m2 : {"-1.6", "-1.3", "-1.0", "-0.6"})
            run_ok(s, "run " + deck_path("ising2d_broken.ini") + " --set lattice.dims='" + dims +
                          "' --set action.m2=" + m2 +
                          " --set dynamics.steps=20000 --set measure.every=10 -o L" +
                          std::string(1, dims[0]) + "m" + m2 + ".h5");
    const Result a = run_ssbsim(s, "analyze L*.h5 --write --json");
    REQUIRE(a.status == 0);
    s.write("analyze.json", a.out);
    const Result r = run_script(s, "plot_binder.py", "L*.h5 -o b.png --json b.json");
    INFO(r.err << r.out);
    REQUIRE(r.status == 0);
    require_png(s, "b.png");
    for (const char* size : {"4x4", "8x8"})
        for (int i = 0; i < 4; ++i) {
            const std::string point =
                std::string("d['curves']['") + size + "'][" + std::to_string(i) + "]";
            INFO(point);
            REQUIRE(py_number(s, "b.json", point + "['binder_recomputed']") ==
                    Approx(py_number(s, "b.json", point + "['binder']")).epsilon(1e-12));
        }
    REQUIRE(py_number(s, "b.json", "d['crossings'][0]['x']") ==
            py_number(s, "analyze.json", "d['scan']['crossings'][0]['x']"));
    REQUIRE(py_number(s, "b.json", "d['crossings'][0]['binder_error']") ==
            py_number(s, "analyze.json", "d['scan']['crossings'][0]['binder_error']"));
}

TEST_CASE("plot_snapshot: the heat-map shows the saved configuration", "[python]") {
    Scratch s("py-snapshot");
    run_ok(s, "run " + deck_path("ising2d_broken.ini") +
                  " --set dynamics.steps=2000 --set measure.save_every=1000 -o snap.h5");
    for (const char* index : {"0", "-1"}) {
        const Result r =
            run_script(s, "plot_snapshot.py",
                       std::string("snap.h5 --index ") + index + " -o s.png --json s.json");
        INFO(r.err);
        REQUIRE(r.status == 0);
        require_png(s, "s.png");
        // On a 2D lattice the slice is the whole configuration: its mean is the magnetisation
        // recorded at the same step.
        const auto step = static_cast<std::int64_t>(py_number(s, "s.json", "d['step']"));
        const h5::Group obs =
            h5::File::open_read(s.path("snap.h5")).root().open_group("observables");
        const std::vector<std::int64_t> steps = obs.open_dataset("step").read_int64();
        const auto row = std::find(steps.begin(), steps.end(), step) - steps.begin();
        REQUIRE(row < static_cast<std::ptrdiff_t>(steps.size()));
        REQUIRE(py_number(s, "s.json", "d['slice_mean']") ==
                Approx(obs.open_dataset("magnetization").read_double()[row]).epsilon(1e-12));
        REQUIRE(py_number(s, "s.json", "d['shape'][0]") == 32);
    }
    REQUIRE(run_script(s, "plot_snapshot.py", "snap.h5 --index 7").status == 2);
}

TEST_CASE("plot_training: order parameter over training time of a schedule run", "[python]") {
    Scratch s("py-training");
    run_ok(s, "run " + deck_path("anneal.ini") +
                  " --set dynamics.steps=10000 --set measure.every=20 -o anneal.h5");
    const Result a = run_ssbsim(s, "analyze anneal.h5 --json");
    REQUIRE(a.status == 0);
    s.write("analyze.json", a.out);
    const Result r = run_script(s, "plot_training.py", "anneal.h5 -o t.png --json t.json");
    INFO(r.err << r.out);
    REQUIRE(r.status == 0);
    require_png(s, "t.png");
    REQUIRE(py_number(s, "t.json", "d['runs'][0]['final']") ==
            py_number(s, "analyze.json", "d['files'][0]['final']['abs_magnetization']"));
    REQUIRE(py_number(s, "t.json", "d['runs'][0]['t_final']") ==
            py_number(s, "analyze.json", "d['files'][0]['final']['time']"));
    REQUIRE(py_number(s, "t.json", "len(d['runs'][0]['varying'])") == 1); // the temperature
    // |M| appears when the annealed temperature crosses T_c, well inside the run.
    const double ordering = py_number(s, "t.json", "d['runs'][0]['ordering_time']");
    CHECK(ordering > 0.2 * py_number(s, "t.json", "d['runs'][0]['t_final']"));
    CHECK(ordering < py_number(s, "t.json", "d['runs'][0]['t_final']"));
}

TEST_CASE("the Python package's analysis equals ssbsim analyze, replicas combined", "[python]") {
    // Two implementations of docs/analysis.md (C++ direct sums, numpy FFT): every estimate of
    // a one-replica run and of a four-replica run agrees to 1e-9.
    Scratch s("py-package");
    run_ok(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=10000 -o one.h5");
    run_ok(s, "run " + deck_path("ising2d_broken.ini") +
                  " --set lattice.dims='8 8' --set run.replicas=4 --set dynamics.steps=20000 "
                  "-o four.h5");
    for (const char* file : {"one", "four"}) {
        INFO(file);
        const Result a = run_ssbsim(s, std::string("analyze ") + file + ".h5 --json");
        REQUIRE(a.status == 0);
        s.write("analyze.json", a.out);
        const Result r =
            run_package(s, "tests/python/check_analyze.py", std::string(file) + ".h5 analyze.json");
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
        REQUIRE(r.out.find(file == std::string("one") ? "replicas 1" : "replicas 4") !=
                std::string::npos);
    }
}

TEST_CASE("python3 -m ssbsim.plot lists its commands and runs them", "[python]") {
    Scratch s("py-module");
    const Result help = run_package(s, "-m ssbsim.plot", "--help");
    REQUIRE(help.status == 0);
    for (const char* command : {"binder", "timeseries", "movie", "snapshot"})
        REQUIRE(help.out.find(command) != std::string::npos);
    REQUIRE(run_package(s, "-m ssbsim.plot", "nonsense").status == 2);
    // timeseries needs no earlier `ssbsim analyze --write`: the package finds the same cut.
    run_ok(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=5000 -o free.h5");
    const Result r =
        run_package(s, "-m ssbsim.plot", "timeseries free.h5 -o ts.png --json ts.json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    require_png(s, "ts.png");
    const Result a = run_ssbsim(s, "analyze free.h5 --json");
    s.write("analyze.json", a.out);
    REQUIRE(py_number(s, "ts.json", "d['skip']") ==
            py_number(s, "analyze.json", "d['files'][0]['skip']"));
}

TEST_CASE("xarray opens every row group with named dimensions and step/time coordinates",
          "[python][xarray]") {
    // Plain xr.open_dataset(engine="h5netcdf", group=...) on a lattice run with replicas and on
    // a network run: no phony dimensions, step (and time) coordinates, the lattice axes named.
    Scratch s("py-xarray");
    run_ok(s, "run " + deck_path("ising2d_broken.ini") +
                  " --set lattice.dims='8 6' --set run.replicas=3 --set dynamics.steps=500 "
                  "--set measure.save_every=100 -o lattice.h5");
    // A scan point: the output name gets the point's key (net_layer_coupling=1.h5).
    run_ok(s, "run " + deck_path("nn_decoupling.ini") +
                  " --point 0 --set dynamics.steps=200 --set measure.save_every=100 -o net.h5");
    for (const auto& [file, axes] : {std::pair<std::string, std::string>{"lattice.h5", "x1,x2"},
                                     {"net_layer_coupling=1.h5", "layer,neuron,input"}}) {
        const Result r = run_package(s, "tests/python/check_xarray.py", file + " " + axes);
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
    }
}

TEST_CASE("movie: GIF and MP4 of the saved configurations, one frame each", "[python][movie]") {
    // A 32x32 quench with 11 saved configurations (steps 200..2200): both files exist, are
    // animations of 11 frames (Pillow counts the GIF's; ffprobe the MP4's) of the requested size.
    Scratch s("py-movie");
    run_ok(s, "run " + deck_path("quench_movie.ini") +
                  " --set lattice.dims='32 32' --set dynamics.steps=2200 "
                  "--set schedule.temperature='linear 2.5 0.2' --set measure.save_every=200 "
                  "-o q.h5");
    const Result r = run_package(s, "-m ssbsim.plot", "movie q.h5 --fps 6 --json m.json");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    REQUIRE(py_number(s, "m.json", "d['frames']") == 11);
    REQUIRE(py_number(s, "m.json", "d['shape'][0]") == 32);
    REQUIRE(py_number(s, "m.json", "len(d['files'])") == 2);
    REQUIRE(std::filesystem::file_size(s.path("q_movie.gif")) > 10000);
    REQUIRE(std::filesystem::file_size(s.path("q_movie.mp4")) > 10000);
    const Result gif = run_package(
        s, "-c", "\"from PIL import Image; im = Image.open('q_movie.gif'); print(im.n_frames)\"");
    INFO(gif.err);
    REQUIRE(gif.out == "11\n");
    const std::string probe =
        "cd '" + s.dir.string() +
        "' && ffprobe -v error -count_frames -select_streams v:0 -show_entries "
        "stream=nb_read_frames,width -of csv=p=0 q_movie.mp4 > probe.txt";
    REQUIRE(std::system(probe.c_str()) == 0);
    const std::string frames = slurp(s.path("probe.txt"));
    INFO(frames);
    REQUIRE(frames.find(",11") != std::string::npos);
    // Without configurations: a message and status 2.
    run_ok(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=100 -o none.h5");
    const Result none = run_package(s, "-m ssbsim.plot", "movie none.h5");
    REQUIRE(none.status == 2);
    REQUIRE(none.err.find("configuration") != std::string::npos);
}
