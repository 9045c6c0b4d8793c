// Provenance and completion records (provenance.hpp), through the program: an interrupted and
// resumed run has two segments that join up, each with UTC times, host, version, commit,
// compiler, threads, ranks, wall time and exit status; the root attributes mark completion;
// `ssbsim info` shows them; docs/output.md documents every attribute.
#include "cli.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/provenance.hpp"
#include "ssbsim/version.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <regex>
#include <thread>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

const std::vector<std::string> segment_attributes = {
    "kind",       "start_utc",  "end_utc",   "host",          "batch_job", "ssbsim_version",
    "git_commit", "git_dirty",  "compiler",  "compile_flags", "threads",   "ranks",
    "first_step", "final_step", "wall_time", "exit_status",   "deck"};

std::string this_host() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
}

} // namespace

TEST_CASE("an interrupted and resumed run records two segments that join up", "[provenance]") {
    Scratch s("provenance");
    s.write("run.ini", "[action]\nlambda = 1\nm2 = -1\n[lattice]\ndims = 32 32\n[dynamics]\n"
                       "steps = 100000000\n[checkpoint]\nevery = 100\n[run]\noutput = p.h5\n");
    ::unsetenv("SLURM_JOB_ID");
    ::setenv("OMP_NUM_THREADS", "1", 1);
    const pid_t pid = spawn_ssbsim(s, "run run.ini");
    for (int i = 0; i < 200 && !std::filesystem::exists(s.path("p.ckpt.h5")); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(pid, SIGUSR1);
    REQUIRE(wait_for(pid) == 5);
    const std::int64_t stopped =
        h5::File::open_read(s.path("p.h5")).root().read_attr_int64("final_step");
    REQUIRE(stopped > 0);
    REQUIRE(h5::File::open_read(s.path("p.h5")).root().read_attr_int64("exit_status") == 5);

    ::setenv("OMP_NUM_THREADS", "2", 1);
    ::setenv("SLURM_JOB_ID", "77", 1);
    ::setenv("SLURM_ARRAY_JOB_ID", "70", 1);
    ::setenv("SLURM_ARRAY_TASK_ID", "7", 1);
    const std::string end = std::to_string(stopped + 250);
    const Result r = run_ssbsim(s, "run run.ini --resume --set dynamics.steps=" + end);
    for (const char* v : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"})
        ::unsetenv(v);
    ::unsetenv("OMP_NUM_THREADS");
    REQUIRE(r.status == 0);

    const h5::File f = h5::File::open_read(s.path("p.h5"));
    const h5::Group root = f.root();
    REQUIRE(root.read_attr_int64("exit_status") == 0);
    REQUIRE(root.read_attr_int64("final_step") == stopped + 250);
    REQUIRE(root.open_group("segments").children() == std::vector<std::string>{"000", "001"});
    const h5::Group a = root.open_group("segments/000"), b = root.open_group("segments/001");
    for (const h5::Group* g : {&a, &b})
        for (const std::string& name : segment_attributes) {
            INFO(g->name() << " " << name);
            REQUIRE(g->has_attr(name));
        }
    REQUIRE(a.read_attr_string("kind") == "new");
    // Each segment's deck is the one it ran: here the run length changed.
    REQUIRE(a.read_attr_string("deck").find("steps = 100000000\n") != std::string::npos);
    REQUIRE(b.read_attr_string("deck").find("steps = " + end + "\n") != std::string::npos);
    REQUIRE(b.read_attr_string("kind") == "resume");
    REQUIRE(a.read_attr_int64("exit_status") == 5);
    REQUIRE(b.read_attr_int64("exit_status") == 0);
    REQUIRE(a.read_attr_int64("first_step") == 0);
    REQUIRE(a.read_attr_int64("final_step") == stopped);
    REQUIRE(b.read_attr_int64("first_step") == stopped);
    REQUIRE(b.read_attr_int64("final_step") == stopped + 250);
    REQUIRE(a.read_attr_int64("threads") == 1);
    REQUIRE(b.read_attr_int64("threads") == 2);
    REQUIRE(a.read_attr_int64("ranks") == 1);
    REQUIRE(a.read_attr_string("batch_job").empty());
    REQUIRE(b.read_attr_string("batch_job") == "slurm 77 (array 70_7)");
    REQUIRE(a.read_attr_string("host") == this_host());
    REQUIRE(a.read_attr_string("ssbsim_version") == version);
    REQUIRE(std::regex_match(a.read_attr_string("git_commit"), std::regex("[0-9a-f]{40}|unknown")));
    REQUIRE(a.read_attr_int64("git_dirty") <= 1);
    REQUIRE(a.read_attr_int64("git_dirty") >= 0);
    REQUIRE(a.read_attr_string("compiler").size() > 2);
    REQUIRE(a.read_attr_string("compile_flags").find("-O") != std::string::npos);
    const std::regex utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
    for (const h5::Group* g : {&a, &b}) {
        REQUIRE(std::regex_match(g->read_attr_string("start_utc"), utc));
        REQUIRE(std::regex_match(g->read_attr_string("end_utc"), utc));
        REQUIRE(g->read_attr_string("start_utc") <= g->read_attr_string("end_utc"));
        REQUIRE(g->read_attr_double("wall_time") > 0.0);
    }
    REQUIRE(a.read_attr_string("end_utc") <= b.read_attr_string("start_utc"));

    const Result info = run_ssbsim(s, "info p.h5");
    REQUIRE(info.status == 0);
    INFO(info.out);
    REQUIRE(info.out.find("run: complete at step " + end + " (exit status 0)") !=
            std::string::npos);
    REQUIRE(info.out.find("run segments: 2") != std::string::npos);
    REQUIRE(info.out.find("000 new:") != std::string::npos);
    REQUIRE(info.out.find("exit 5") != std::string::npos);
    REQUIRE(info.out.find("001 resume:") != std::string::npos);
    REQUIRE(info.out.find("host " + this_host() + "  threads 2  ranks 1  job slurm 77") !=
            std::string::npos);
    REQUIRE(info.out.find("commit " + a.read_attr_string("git_commit")) != std::string::npos);
}

TEST_CASE("read_output_status tells complete, unfinished, old and foreign files apart",
          "[provenance]") {
    Scratch s("output-status");
    REQUIRE_FALSE(read_output_status(s.path("missing.h5")).ssbsim);
    s.write("text.h5", "no");
    REQUIRE_FALSE(read_output_status(s.path("text.h5")).ssbsim);
    s.write("run.ini", "[lattice]\ndims = 6 6\n[dynamics]\nsteps = 30\n");
    REQUIRE(run_ssbsim(s, "run run.ini").status == 0);
    OutputStatus st = read_output_status(s.path("run.h5"));
    REQUIRE(st.ssbsim);
    REQUIRE(st.complete(30));
    REQUIRE_FALSE(st.complete(31)); // a longer run asked for
    REQUIRE(st.segments == 1);
    REQUIRE(st.last_measured == 30);
    {
        h5::File f = h5::File::open_rw(s.path("run.h5"));
        f.root().write_attr("exit_status", std::int64_t{status_running});
    }
    REQUIRE_FALSE(read_output_status(s.path("run.h5")).complete(30));
    // Written before completion was recorded: complete when the measurements reach the end.
    st.exit_status.reset();
    st.final_step.reset();
    REQUIRE(st.complete(30));
    REQUIRE_FALSE(st.complete(40));
}

TEST_CASE("docs/output.md documents every provenance attribute", "[provenance][docs]") {
    const std::string doc = slurp(std::string(SSBSIM_SOURCE_DIR) + "/docs/output.md");
    for (const std::string& name : segment_attributes) {
        INFO(name);
        REQUIRE(doc.find("`" + name + "`") != std::string::npos);
    }
    for (const std::string name : {"final_step", "exit_status", "/segments"})
        REQUIRE(doc.find(name) != std::string::npos);
}
