// Checkpoints and failure handling, through the program: exact continuation (2n steps = n + n
// after --resume, bitwise, with a schedule), refusal of a changed physics deck, graceful stop on
// SIGTERM, SIGKILL at random moments, divergence, damaged checkpoints.
#include "cli.hpp"
#include "same_output.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <random>
#include <thread>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

const std::string deck_text = R"(# a small run with a schedule, used by the checkpoint tests
[run]
seed = 99
[lattice]
dims = 24 20
[field]
components = 2
init = hot
[action]
lambda = 0.8
h = 0.01 0
[dynamics]
method = langevin
step = 0.04
steps = 600
[schedule]
m2 = cosine 0.5 -1.2 [0:600]
[measure]
every = 7
save_every = 100
[checkpoint]
every = 50
)";

std::vector<double> final_field(const std::string& file) {
    const auto d = h5::File::open_read(file).root().open_dataset("configurations/field");
    return d.read_rows_double(d.shape()[0] - 1, 1);
}

} // namespace

TEST_CASE("n steps + --resume for n more equals 2n steps bit for bit", "[checkpoint]") {
    Scratch s("resume-exact");
    s.write("run.ini", deck_text);
    // flow_adaptive varies the step: its time is a compensated sum, continued from the
    // checkpoint's time and time_residual.
    for (const std::string method :
         {"langevin", "langevin2", "flow_rk3", "momentum", "flow_adaptive"}) {
        INFO(method);
        const std::string m = " --set dynamics.method=" + method;
        REQUIRE(run_ssbsim(s, "run run.ini" + m + " -o full.h5 --overwrite").status == 0);
        REQUIRE(
            run_ssbsim(s, "run run.ini" + m + " --set dynamics.steps=300 -o half.h5 --overwrite")
                .status == 0);
        const Result r = run_ssbsim(s, "run run.ini" + m + " -o half.h5 --resume");
        REQUIRE(r.status == 0);
        REQUIRE(r.err.find("continuing from step 300") != std::string::npos);
        require_same_output(s.path("full.h5"), s.path("half.h5"));
        // A second resume of a finished run changes nothing.
        REQUIRE(run_ssbsim(s, "run run.ini" + m + " -o half.h5 --resume").status == 0);
        require_same_output(s.path("full.h5"), s.path("half.h5"));
        std::filesystem::remove(s.path("half.ckpt.h5"));
        std::filesystem::remove(s.path("half.ckpt.h5.bak"));
    }
}

TEST_CASE("[training] shared noise and dropout resume bit for bit", "[checkpoint][training]") {
    Scratch s("resume-training");
    s.write("net.ini", R"([run]
seed = 5
replicas = 2
[network]
depth = 3
width = 16
fan_in = 8
[field]
init = hot
[action]
m2 = -1
lambda = 1
[training]
learning_rate = 0.05
dropout = 0.3
[dynamics]
steps = 200
[measure]
every = 10
save_every = 50
[checkpoint]
every = 25
)");
    for (const std::string method : {"langevin", "flow"}) {
        INFO(method);
        const std::string m = " --set dynamics.method=" + method +
                              (method == "flow" ? "" : " --set training.noise=shared");
        REQUIRE(run_ssbsim(s, "run net.ini" + m + " -o full.h5 --overwrite").status == 0);
        REQUIRE(
            run_ssbsim(s, "run net.ini" + m + " --set dynamics.steps=100 -o half.h5 --overwrite")
                .status == 0);
        REQUIRE(run_ssbsim(s, "run net.ini" + m + " -o half.h5 --resume").status == 0);
        require_same_output(s.path("full.h5"), s.path("half.h5"));
        std::filesystem::remove(s.path("half.ckpt.h5"));
        std::filesystem::remove(s.path("half.ckpt.h5.bak"));
    }
}

TEST_CASE("resuming with different physics is refused unless --force", "[checkpoint][errors]") {
    Scratch s("resume-mismatch");
    s.write("run.ini", deck_text);
    REQUIRE(run_ssbsim(s, "run run.ini --set dynamics.steps=100 -o a.h5").status == 0);
    const Result r =
        run_ssbsim(s, "run run.ini --set action.lambda=0.7 --set run.seed=5 -o a.h5 --resume");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("action.lambda") != std::string::npos);
    REQUIRE(r.err.find("run.seed") != std::string::npos);
    REQUIRE(r.err.find("--force") != std::string::npos);
    // Measurement settings and the run length may change.
    REQUIRE(run_ssbsim(s, "run run.ini --set measure.every=3 -o a.h5 --resume").status == 0);
    REQUIRE(run_ssbsim(s, "run run.ini --set action.lambda=0.7 --set dynamics.steps=700 -o a.h5 "
                          "--resume --force")
                .status == 0);
}

TEST_CASE("SIGTERM writes a checkpoint and exits with status 5 within 5 s", "[checkpoint]") {
    Scratch s("sigterm");
    s.write("run.ini", deck_text);
    const std::string args = "run run.ini --set 'schedule.m2=cosine 0.5 -1.2 [0:400000]' "
                             "--set checkpoint.every=1000000 ";
    const pid_t pid = spawn_ssbsim(s, args + "--set dynamics.steps=400000 -o long.h5");
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const auto t0 = std::chrono::steady_clock::now();
    ::kill(pid, SIGTERM);
    const int status = wait_for(pid);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO(slurp(s.path("bg.err")));
    REQUIRE(status == 5);
    REQUIRE(seconds < 5.0);
    // The hint repeats the command line, overrides and output included, with --resume.
    REQUIRE(slurp(s.path("bg.err"))
                .find("continue with ssbsim run run.ini --set 'schedule.m2=cosine 0.5 -1.2 "
                      "[0:400000]' --set checkpoint.every=1000000 --set dynamics.steps=400000 "
                      "-o long.h5 --resume") != std::string::npos);
    // The interrupted run continues to exactly the uninterrupted result.
    const std::int64_t stopped =
        h5::File::open_read(s.path("long.ckpt.h5")).root().read_attr_int64("step");
    REQUIRE(stopped > 0);
    const std::string end = "--set dynamics.steps=" + std::to_string(stopped + 300);
    REQUIRE(run_ssbsim(s, args + end + " -o long.h5 --resume").status == 0);
    REQUIRE(run_ssbsim(s, args + end + " -o ref.h5").status == 0);
    REQUIRE(final_field(s.path("long.h5")) == final_field(s.path("ref.h5")));
}

namespace {

void kill_and_resume(int kills) {
    Scratch s("sigkill");
    s.write("run.ini", deck_text);
    const std::string args =
        "run run.ini --set 'lattice.dims=64 48' --set dynamics.steps=1500 "
        "--set 'schedule.m2=cosine 0.5 -1.2 [0:1500]' --set checkpoint.every=100 ";
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(run_ssbsim(s, args + "-o ref.h5").status == 0);
    const int run_ms = static_cast<int>(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    // Kill moments spread over the whole run, including start-up and the final writes.
    std::mt19937 rng(2026);
    std::uniform_int_distribution<int> delay_ms(1, std::max(2, run_ms));
    for (int k = 0; k < kills; ++k) {
        INFO("kill " << k);
        std::filesystem::remove(s.path("run.h5"));
        std::filesystem::remove(s.path("run.ckpt.h5"));
        std::filesystem::remove(s.path("run.ckpt.h5.bak"));
        // Kill the run, and then its continuation, at random moments.
        for (int attempt = 0; attempt < 2; ++attempt) {
            const pid_t pid = spawn_ssbsim(s, args + "-o run.h5 --resume --overwrite");
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
            ::kill(pid, SIGKILL);
            wait_for(pid);
            if (!std::filesystem::exists(s.path("run.h5"))) continue;
            // Whatever the instant, the output opens and its columns agree in length.
            const h5::File f = h5::File::open_read(s.path("run.h5"));
            const auto n = f.root().open_dataset("observables/step").shape().at(0);
            for (const std::string& name : f.root().open_group("observables").children())
                REQUIRE(f.root().open_dataset("observables/" + name).shape().at(0) == n);
            const auto saved = f.root().open_dataset("configurations/step").shape().at(0);
            REQUIRE(f.root().open_dataset("configurations/field").shape().at(0) == saved);
        }
        const Result r = run_ssbsim(s, args + "-o run.h5 --resume --overwrite");
        INFO(r.err);
        REQUIRE(r.status == 0);
        REQUIRE(final_field(s.path("run.h5")) == final_field(s.path("ref.h5")));
        require_same_output(s.path("ref.h5"), s.path("run.h5"));
    }
}

} // namespace

TEST_CASE("SIGKILL at 20 random moments: the output stays readable and --resume completes",
          "[checkpoint]") {
    kill_and_resume(20);
}

TEST_CASE("rows a killed flush extended but never filled are dropped by info, analyze, --resume",
          "[checkpoint]") {
    Scratch s("unwritten");
    s.write("run.ini", deck_text);
    const std::string args = "run run.ini --set measure.every=5 ";
    REQUIRE(run_ssbsim(s, args + "-o run.h5").status == 0);
    REQUIRE(run_ssbsim(s, args + "--set dynamics.steps=900 -o ref.h5").status == 0);
    {
        // The state a kill between the two halves of a flush can leave: rows of fill values.
        h5::File f = h5::File::open_rw(s.path("run.h5"));
        f.root().open_dataset("records/observables").extend_rows(2);
        f.root().open_dataset("records/configurations").extend_rows(1);
        f.flush();
        const auto n = f.root().open_dataset("observables/step").shape().at(0);
        for (const std::string& name : f.root().open_group("observables").children())
            REQUIRE(f.root().open_dataset("observables/" + name).shape().at(0) == n);
    }
    Result r = run_ssbsim(s, "info run.h5");
    REQUIRE(r.status == 0);
    REQUIRE(r.out.find("measurements: 121  last step: 600  (+2 never completely written") !=
            std::string::npos);
    REQUIRE(r.out.find("saved configurations: 6  last step: 600  (+1") != std::string::npos);
    r = run_ssbsim(s, "analyze run.h5 --skip 10");
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE((r.out + r.err).find("2 row(s) at the end were never completely written") !=
            std::string::npos);
    // The Python reader keeps the written rows only, in every group and for configurations.
    s.write("rows.py", "import sys\nsys.path.insert(0, sys.argv[1])\nimport ssbsim_reader as r\n"
                       "run = r.Run('run.h5')\nprint(len(run.observables['step']),\n"
                       "      len(r.read_group('run.h5', 'observables')['time']),\n"
                       "      run.configuration(-1)[0])\n");
    REQUIRE(std::system(("cd '" + s.dir.string() + "' && " + SSBSIM_PYTHON + " rows.py '" +
                         analysis_dir + "' > rows.txt")
                            .c_str()) == 0);
    REQUIRE(slurp(s.path("rows.txt")) == "121 121 600\n");
    r = run_ssbsim(s, args + "--set dynamics.steps=900 -o run.h5 --resume");
    REQUIRE(r.status == 0);
    require_same_output(s.path("ref.h5"), s.path("run.h5"));
}

TEST_CASE("a diverging run stops with status 3, names the step and keeps its checkpoint",
          "[checkpoint][errors]") {
    Scratch s("diverge");
    s.write("run.ini", deck_text);
    const Result r = run_ssbsim(s, "run run.ini --set dynamics.step=0.6 -o d.h5");
    INFO(r.err);
    REQUIRE(r.err.find("linear stability bound") != std::string::npos); // warned before the run
    REQUIRE(r.status == 3);
    REQUIRE(r.err.find("step") != std::string::npos);
    REQUIRE(r.err.find("flow_adaptive") != std::string::npos);
    // Any checkpoint written holds a finite field.
    if (std::filesystem::exists(s.path("d.ckpt.h5")))
        for (double x : final_field(s.path("d.ckpt.h5")))
            REQUIRE(std::isfinite(x));
}

TEST_CASE("a damaged checkpoint falls back to the backup; two damaged ones are an input error",
          "[checkpoint][errors]") {
    Scratch s("damaged");
    s.write("run.ini", deck_text);
    REQUIRE(run_ssbsim(s, "run run.ini --set dynamics.steps=300 -o c.h5").status == 0);
    REQUIRE(std::filesystem::exists(s.path("c.ckpt.h5.bak")));
    std::filesystem::resize_file(s.path("c.ckpt.h5"), 1000); // truncated
    Result r = run_ssbsim(s, "run run.ini -o c.h5 --resume");
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("backup") != std::string::npos);
    std::filesystem::resize_file(s.path("c.ckpt.h5"), 500);
    std::filesystem::resize_file(s.path("c.ckpt.h5.bak"), 500);
    r = run_ssbsim(s, "run run.ini --set dynamics.steps=900 -o c.h5 --resume");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("no usable checkpoint") != std::string::npos);
}
