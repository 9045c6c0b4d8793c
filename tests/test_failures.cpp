// Bad input, exhaustively, through the program: each case must exit with the documented status,
// print one message naming the problem, and leave no new or damaged file behind.
#include "cli.hpp"

#include <catch2/catch.hpp>
#include <functional>

using namespace ssbsim::test;

namespace {

const std::string good_deck = R"([lattice]
dims = 8 8
[action]
m2 = -0.5
lambda = 0.5
[dynamics]
steps = 50
)";

struct Case {
    std::string name;
    std::string args;   // after "run deck.ini"
    std::string expect; // substring of stderr
    int status = 2;
    std::string deck = good_deck;
    std::function<void(const Scratch&)> setup = {};
};

std::vector<Case> cases() {
    return {
        {"unknown key", "--set action.mass=1", "did you mean"},
        {"typo in key", "--set dynamics.stpes=10", "did you mean 'dynamics.step"},
        {"unknown section", "", "acton", 2, good_deck + "[acton]\nm2 = 1\n"},
        {"key in the wrong section", "", "action.lambda", 2,
         good_deck + "[dynamics]\nlambda = 1\n"},
        {"duplicate key", "", "m2", 2, good_deck + "[action]\nm2 = 1\n"},
        {"wrong type: real", "--set action.m2=abc", "action.m2"},
        {"wrong type: integer", "--set dynamics.steps=1.5", "dynamics.steps"},
        {"wrong type: bool", "--set run.overwrite=maybe", "run.overwrite"},
        {"negative size", "--set 'lattice.dims=-4 4'", "lattice.dims"},
        {"zero size", "--set 'lattice.dims=0 4'", "lattice.dims"},
        {"size below 2", "--set 'lattice.dims=1 4'", "lattice.dims"},
        {"too many axes", "--set 'lattice.dims=2 2 2 2 2'", "lattice.dims"},
        {"too many sites", "--set 'lattice.dims=2000000 2000000'", "more than 2^40"},
        {"network of too many sites", "", "more than 2^40", 2,
         "[network]\ndepth = 100000000\nwidth = 100000000\n[action]\nlambda = 1\n"},
        {"adaptive step, independent replicas",
         "--set dynamics.method=flow_adaptive --set run.replicas=2 "
         "--set run.replica_init=independent",
         "run.replica_init"},
        {"malformed list", "--set 'lattice.dims=8 x'", "lattice.dims"},
        {"missing required key", "", "lattice.dims", 2, "[action]\nm2 = 1\n"},
        {"boundary count", "--set 'lattice.boundary=periodic open open'", "lattice.boundary"},
        {"boundary value", "--set lattice.boundary=wrap", "lattice.boundary"},
        {"N = 0", "--set field.components=0", "field.components"},
        {"lambda < 0", "--set action.lambda=-1", "action.lambda"},
        {"temperature < 0", "--set dynamics.temperature=-0.1", "dynamics.temperature"},
        {"step = 0", "--set dynamics.step=0", "dynamics.step"},
        {"step < 0", "--set dynamics.step=-0.01", "dynamics.step"},
        {"negative steps", "--set dynamics.steps=-5", "dynamics.steps"},
        {"unknown method", "--set dynamics.method=euler", "dynamics.method"},
        {"schedule ends before it starts", "--set 'schedule.temperature=linear 1 0 [40:20]'",
         "schedule.temperature"},
        {"malformed schedule", "--set 'schedule.step=cosine 0.1'", "schedule.step"},
        {"negative step in schedule", "--set 'schedule.step=linear 0.1 -0.1'", "schedule.step"},
        {"schedule and constant both given",
         "--set dynamics.temperature=2 --set 'schedule.temperature=linear 1 0'", "temperature"},
        {"temperature with gradient flow",
         "--set dynamics.method=flow --set dynamics.temperature=1", "dynamics.temperature"},
        {"tolerance without adaptive flow", "--set dynamics.tolerance=1e-5", "dynamics.tolerance"},
        {"kappa with the mass form", "--set action.kappa=0.2", "action.kappa"},
        {"m2 with the hopping form", "--set action.form=hopping --set action.kappa=0.2",
         "action.m2"},
        {"measure.every = 0", "--set measure.every=0", "measure.every"},
        {"compression level", "--set measure.compression=10", "measure.compression"},
        {"seed out of range", "--set run.seed=4294967296", "run.seed"},
        {"init file missing", "--set field.init=file --set field.init_file=nope.h5", "nope.h5"},
        {"init file not HDF5", "--set field.init=file --set field.init_file=text.h5", "text.h5", 2,
         good_deck, [](const Scratch& s) { s.write("text.h5", "not hdf5"); }},
        {"init file of another lattice", "--set field.init=file --set field.init_file=other.h5",
         "field.init_file", 2, good_deck,
         [](const Scratch& s) {
             s.write("other.ini", good_deck);
             run_ssbsim(s, "run other.ini --set 'lattice.dims=6 6' -o other.h5");
         }},
        {"output directory missing", "-o nowhere/out.h5", "nowhere"},
        {"output directory not writable", "-o /proc/out.h5", "/proc"},
        {"unknown option", "--frobnicate", "frobnicate"},
    };
}

} // namespace

TEST_CASE("every bad input: documented status, a message naming it, no output", "[errors]") {
    for (const Case& c : cases()) {
        Scratch s("bad-input");
        s.write("deck.ini", c.deck);
        if (c.setup) c.setup(s);
        const auto before = std::distance(std::filesystem::directory_iterator(s.dir), {});
        const Result r = run_ssbsim(s, "run deck.ini " + c.args);
        INFO(c.name << ": status " << r.status << ", stderr: " << r.err);
        CHECK(r.status == c.status);
        CHECK(r.err.find(c.expect) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2); // one message, not a trace
        CHECK(std::distance(std::filesystem::directory_iterator(s.dir), {}) == before);
    }
    REQUIRE(cases().size() >= 30);
}

TEST_CASE("a missing deck file and an unknown command are bad input", "[errors]") {
    Scratch s("bad-cli");
    Result r = run_ssbsim(s, "run missing.ini");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("missing.ini") != std::string::npos);
    r = run_ssbsim(s, "frobnicate");
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("frobnicate") != std::string::npos);
}

TEST_CASE("a full disk is an I/O error (status 4) with a message, not a crash", "[errors]") {
    Scratch s("full-disk");
    s.write("deck.ini", good_deck);
    // 200 kB file-size limit; the run saves 40 configurations of 8 kB each.
    const std::string cmd = "ulimit -f 200 && cd '" + s.dir.string() + "' && '" + SSBSIM_BINARY +
                            "' run deck.ini --set 'lattice.dims=32 32' --set measure.save_every=1 "
                            "--set dynamics.steps=40 -o limited.h5 2> err.txt";
    const int raw = std::system(("bash -c \"" + cmd + "\"").c_str());
    const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    const std::string err = slurp(s.path("err.txt"));
    INFO(err);
    REQUIRE(status == 4);
    REQUIRE(err.find("I/O error") != std::string::npos);
}
