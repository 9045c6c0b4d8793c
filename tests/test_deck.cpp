// Tests of include/ssbsim/deck/deck.hpp: every key reaches Config, defaults, --set beating the
// file, the resolved deck reading back to the same Config, the mass/hopping rules, one row per
// error class with the message checked, and docs/keys.md matching the key table.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/dynamics.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace ssbsim;

namespace {

const std::string lattice = "[lattice]\ndims = 4 4\n";

Config load(const std::string& text, const std::vector<std::string>& overrides = {}) {
    return load_deck_text(text, overrides, "inputs/test_deck.ini");
}

// Every key of the mass form that can be given together, none at its default.
const std::string mass_deck = R"(# every mass-form key that can be given together
[run]
seed = 4294967295
output = out/mass.h5
overwrite = yes

[lattice]
dims = 8, 6 4     # commas and spaces both separate
boundary = periodic open periodic

[field]
components = 2
init = file
init_value = 0.5 -0.5
init_sigma = 0.25
init_file = previous.h5

[action]
form = mass
lambda = 0.5
coupling = 1 2 3
h = 0.1 -0.2

[dynamics]
method = langevin2
step = 0.005
steps = 500

[schedule]
temperature = linear 2 0.5 [100:400]
m2 = piecewise -1 250 -2

[measure]
every = 5
save_every = 100
compression = 6

[checkpoint]
every = 50
file = out/mass.ckpt.h5
)";

// The hopping form with the keys the mass deck cannot give.
const std::string hopping_deck = R"([run]
seed = 0
overwrite = false
[lattice]
dims = 16
boundary = periodic
[field]
components = 3
init = hot
init_value = 1
init_sigma = 2
[action]
form = hopping
kappa = 0.2
lambda = 1.1
[dynamics]
method = flow_adaptive
step = 0.1
steps = 0
tolerance = 1e-8
[schedule]
h = exp 0.1 0.001 [0:1]
)";

const std::string step_schedule_deck = lattice + R"([dynamics]
temperature = 0
steps = 200
[schedule]
step = cosine 0.1 0.01
)";

void require_same(const std::optional<Schedule>& a, const std::optional<Schedule>& b) {
    REQUIRE(a.has_value() == b.has_value());
    if (!a) return;
    REQUIRE(a->text() == b->text());
    REQUIRE(a->kind == b->kind);
    REQUIRE(a->values == b->values);
    REQUIRE(a->breaks == b->breaks);
    REQUIRE(a->start == b->start);
    REQUIRE(a->end == b->end);
}

void require_same(const Config& a, const Config& b) {
    REQUIRE(a.run.seed == b.run.seed);
    REQUIRE(a.run.output == b.run.output);
    REQUIRE(a.run.overwrite == b.run.overwrite);
    REQUIRE(a.lattice.dims == b.lattice.dims);
    REQUIRE(a.lattice.boundary == b.lattice.boundary);
    REQUIRE(a.field.components == b.field.components);
    REQUIRE(a.field.init == b.field.init);
    REQUIRE(a.field.init_value == b.field.init_value);
    REQUIRE(a.field.init_sigma == b.field.init_sigma);
    REQUIRE(a.field.init_file == b.field.init_file);
    REQUIRE(a.action.form == b.action.form);
    REQUIRE(a.action.m2 == b.action.m2);
    REQUIRE(a.action.lambda == b.action.lambda);
    REQUIRE(a.action.coupling == b.action.coupling);
    REQUIRE(a.action.h == b.action.h);
    REQUIRE(a.action.kappa == b.action.kappa);
    REQUIRE(a.dynamics.method == b.dynamics.method);
    REQUIRE(a.dynamics.step == b.dynamics.step);
    REQUIRE(a.dynamics.temperature == b.dynamics.temperature);
    REQUIRE(a.dynamics.steps == b.dynamics.steps);
    REQUIRE(a.dynamics.tolerance == b.dynamics.tolerance);
    require_same(a.schedule.temperature, b.schedule.temperature);
    require_same(a.schedule.step, b.schedule.step);
    require_same(a.schedule.m2, b.schedule.m2);
    require_same(a.schedule.h, b.schedule.h);
    REQUIRE(a.measure.every == b.measure.every);
    REQUIRE(a.measure.save_every == b.measure.save_every);
    REQUIRE(a.measure.compression == b.measure.compression);
    REQUIRE(a.checkpoint.every == b.checkpoint.every);
    REQUIRE(a.checkpoint.file == b.checkpoint.file);
    REQUIRE(a.deck_text == b.deck_text);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("a full mass-form deck fills every Config field", "[deck]") {
    const Config c = load(mass_deck);
    REQUIRE(c.run.seed == 4294967295u);
    REQUIRE(c.run.output == "out/mass.h5");
    REQUIRE(c.run.overwrite);
    REQUIRE(c.lattice.dims == std::vector<std::int64_t>{8, 6, 4});
    REQUIRE(c.lattice.boundary ==
            std::vector<Boundary>{Boundary::periodic, Boundary::open, Boundary::periodic});
    REQUIRE(c.field.components == 2);
    REQUIRE(c.field.init == InitKind::file);
    REQUIRE(c.field.init_value == std::vector<double>{0.5, -0.5});
    REQUIRE(c.field.init_sigma == 0.25);
    REQUIRE(c.field.init_file == "previous.h5");
    REQUIRE(c.action.form == ActionForm::mass);
    REQUIRE(c.action.lambda == 0.5);
    REQUIRE(c.action.coupling == std::vector<double>{1, 2, 3});
    REQUIRE(c.action.h == std::vector<double>{0.1, -0.2});
    REQUIRE(c.dynamics.method == Method::langevin2);
    REQUIRE(c.dynamics.step == 0.005);
    REQUIRE(c.dynamics.steps == 500);
    REQUIRE(c.schedule.temperature);
    REQUIRE(c.schedule.temperature->text() == "linear 2 0.5 [100:400]");
    REQUIRE(c.schedule.temperature->at(250) == Approx(1.25));
    REQUIRE(c.schedule.m2);
    REQUIRE(c.schedule.m2->at(249) == -1.0);
    REQUIRE(c.schedule.m2->at(250) == -2.0);
    REQUIRE_FALSE(c.schedule.step);
    REQUIRE_FALSE(c.schedule.h);
    REQUIRE(c.measure.every == 5);
    REQUIRE(c.measure.save_every == 100);
    REQUIRE(c.measure.compression == 6);
    REQUIRE(c.checkpoint.every == 50);
    REQUIRE(c.checkpoint.file == "out/mass.ckpt.h5");
}

TEST_CASE("a hopping-form flow_adaptive deck fills the remaining fields", "[deck]") {
    const Config c = load(hopping_deck);
    REQUIRE(c.run.seed == 0);
    REQUIRE_FALSE(c.run.overwrite);
    REQUIRE(c.lattice.dims == std::vector<std::int64_t>{16});
    REQUIRE(c.lattice.boundary == std::vector<Boundary>{Boundary::periodic});
    REQUIRE(c.field.components == 3);
    REQUIRE(c.field.init == InitKind::hot);
    REQUIRE(c.field.init_value == std::vector<double>{1, 1, 1}); // broadcast to N
    REQUIRE(c.field.init_sigma == 2.0);
    REQUIRE(c.field.init_file.empty());
    REQUIRE(c.action.form == ActionForm::hopping);
    REQUIRE(c.action.kappa == 0.2);
    REQUIRE(c.action.lambda == 1.1);
    REQUIRE(c.action.coupling.empty()); // derived from kappa by the action, not the deck
    REQUIRE(c.dynamics.method == Method::flow_adaptive);
    REQUIRE(c.dynamics.step == 0.1);
    REQUIRE(c.dynamics.steps == 0);
    REQUIRE(c.dynamics.tolerance == 1e-8);
    REQUIRE(c.schedule.h);
    REQUIRE(c.schedule.h->kind == ScheduleKind::exponential);
    REQUIRE_FALSE(c.schedule.temperature);
    REQUIRE_FALSE(c.schedule.m2);
}

TEST_CASE("a step schedule ramps over dynamics.steps by default", "[deck]") {
    const Config c = load(step_schedule_deck);
    REQUIRE(c.dynamics.temperature == 0.0);
    REQUIRE(c.schedule.step);
    REQUIRE(c.schedule.step->text() == "cosine 0.1 0.01 [0:200]");
    REQUIRE(c.schedule.step->at(100) == Approx(0.055));
}

TEST_CASE("a deck with only lattice.dims gets every documented default", "[deck]") {
    const Config c = load("[lattice]\ndims = 5 7\n");
    REQUIRE(c.run.seed == 1);
    REQUIRE(c.run.output == "test_deck.h5");
    REQUIRE_FALSE(c.run.overwrite);
    REQUIRE(c.lattice.dims == std::vector<std::int64_t>{5, 7});
    REQUIRE(c.lattice.boundary == std::vector<Boundary>{Boundary::periodic, Boundary::periodic});
    REQUIRE(c.field.components == 1);
    REQUIRE(c.field.init == InitKind::cold);
    REQUIRE(c.field.init_value == std::vector<double>{0});
    REQUIRE(c.field.init_sigma == 1.0);
    REQUIRE(c.field.init_file.empty());
    REQUIRE(c.action.form == ActionForm::mass);
    REQUIRE(c.action.m2 == 1.0);
    REQUIRE(c.action.lambda == 0.0);
    REQUIRE(c.action.coupling == std::vector<double>{1, 1});
    REQUIRE(c.action.h == std::vector<double>{0});
    REQUIRE(c.dynamics.method == Method::langevin);
    REQUIRE(c.dynamics.step == 0.01);
    REQUIRE(c.dynamics.temperature == 1.0);
    REQUIRE(c.dynamics.steps == 1000);
    REQUIRE(c.dynamics.tolerance == 1e-6);
    REQUIRE_FALSE(c.schedule.temperature);
    REQUIRE_FALSE(c.schedule.step);
    REQUIRE_FALSE(c.schedule.m2);
    REQUIRE_FALSE(c.schedule.h);
    REQUIRE(c.measure.every == 10);
    REQUIRE(c.measure.save_every == 0);
    REQUIRE(c.measure.compression == 0);
    REQUIRE(c.checkpoint.every == 0);
    REQUIRE(c.checkpoint.file.empty());
}

TEST_CASE("run.output defaults to the deck's stem + .h5", "[deck]") {
    const std::string deck = "[lattice]\ndims = 4\n";
    REQUIRE(load_deck_text(deck, {}, "inputs/free_field.ini").run.output == "free_field.h5");
    REQUIRE(load_deck_text(deck, {}, "quench").run.output == "quench.h5");
    REQUIRE_THROWS_WITH(load_deck_text(deck, {}, ""), Catch::Contains("missing key 'run.output'"));
}

TEST_CASE("overrides from --set beat the file and use the INI syntax", "[deck]") {
    const std::string deck = "[lattice]\ndims = 4 4\n[run]\nseed = 3\n";
    REQUIRE(load(deck).run.seed == 3);
    const Config c = load(deck, {"run.seed=5", "lattice.dims = 6", "action.m2=-0.5"});
    REQUIRE(c.run.seed == 5);
    REQUIRE(c.lattice.dims == std::vector<std::int64_t>{6});
    REQUIRE(c.lattice.boundary.size() == 1);
    REQUIRE(c.action.coupling.size() == 1);
    REQUIRE(c.action.m2 == -0.5);
    REQUIRE_THROWS_WITH(load(deck, {"action.m2=-0.5 # why"}), Catch::Contains("'#'"));
}

TEST_CASE("read_deck_values says where each value came from", "[deck]") {
    const DeckValues v = read_deck_values("[run]\nseed = 3\n[lattice]\ndims = 4, 4\n",
                                          {"run.seed=5", "measure.every=2"}, "x.ini");
    REQUIRE(v.at("run.seed").text == "5");
    REQUIRE(v.at("run.seed").source == ValueSource::command_line);
    REQUIRE(v.at("measure.every").source == ValueSource::command_line);
    REQUIRE(v.at("lattice.dims").text == "4, 4");
    REQUIRE(v.at("lattice.dims").source == ValueSource::deck);
    REQUIRE(v.at("dynamics.steps").text == "1000");
    REQUIRE_FALSE(v.at("dynamics.steps").given());
    REQUIRE_FALSE(v.contains("action.kappa"));
    REQUIRE_FALSE(v.contains("schedule.step"));
}

TEST_CASE("load_deck reads a file and names a missing one", "[deck]") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ssbsim_test_deck_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "free_field.ini";
    std::ofstream(path) << "[lattice]\ndims = 4\n[run]\nseed = 3\n";
    const Config c = load_deck(path, {"run.seed=8"});
    std::filesystem::remove_all(dir);
    REQUIRE(c.run.seed == 8);
    REQUIRE(c.run.output == "free_field.h5");
    REQUIRE_THROWS_AS(load_deck(path, {}), InputError);
    REQUIRE_THROWS_WITH(load_deck(path, {}),
                        Catch::Contains(path.string()) && Catch::Contains("does not exist"));
    REQUIRE_THROWS_WITH(load_deck(dir.parent_path(), {}), Catch::Contains("is not a regular file"));
}

TEST_CASE("the resolved deck reads back to the identical Config", "[deck]") {
    for (const std::string& deck :
         {mass_deck, hopping_deck, step_schedule_deck, std::string("[lattice]\ndims = 4\n")}) {
        const Config c = load(deck, {"run.seed=77"});
        INFO(c.deck_text);
        // Another deck name: the resolved deck must not depend on it (run.output is explicit).
        const Config back = load_deck_text(c.deck_text, {}, "elsewhere/other.ini");
        require_same(back, c);
        REQUIRE(c.run.seed == 77);
    }
}

TEST_CASE("Config::key_values is what a re-read of the resolved deck gives", "[deck]") {
    for (const std::string& deck :
         {mass_deck, hopping_deck, step_schedule_deck, std::string("[lattice]\ndims = 4\n")}) {
        const Config c = load(deck);
        INFO(c.deck_text);
        std::map<std::string, std::string> reread;
        for (const auto& [key, value] : read_deck_values(c.deck_text, {}, "t.ini"))
            reread[key] = value.text;
        REQUIRE(c.key_values == reread);
        REQUIRE(load_deck_text(c.deck_text, {}, "t.ini").key_values == c.key_values);
    }
    // Canonical: the spelling of the deck does not matter.
    REQUIRE(load(mass_deck).key_values.at("lattice.dims") == "8 6 4");
}

TEST_CASE("the key table flags the keys --resume and the scan analysis leave aside", "[deck]") {
    for (const char* key :
         {"run.output", "run.overwrite", "dynamics.steps", "measure.every", "measure.save_every",
          "measure.compression", "checkpoint.every", "checkpoint.file", "checkpoint.keep"}) {
        INFO(key);
        REQUIRE(find_key(key)->has(resume_may_change));
        REQUIRE(find_key(key)->has(not_ensemble)); // changes nothing sampled either
    }
    for (const char* key : {"run.seed", "run.replicas", "lattice.dims", "field.init_file"}) {
        INFO(key);
        REQUIRE_FALSE(find_key(key)->has(resume_may_change)); // changes the trajectory
        REQUIRE(find_key(key)->has(not_ensemble));
    }
    for (const KeySpec& k : key_table()) // physics keys define both trajectory and ensemble
        if (k.section() != "run" && k.section() != "measure" && k.section() != "checkpoint" &&
            k.name != "lattice.dims" && k.name != "dynamics.steps" && k.name != "field.init_file") {
            INFO(k.name);
            REQUIRE(k.flags == 0);
        }
}

TEST_CASE("the resolved deck lists every key, in canonical form", "[deck]") {
    const Config c = load(mass_deck);
    for (const KeySpec& k : key_table()) {
        INFO(k.name);
        const std::string key(k.key());
        const bool listed = c.deck_text.find("\n" + key + " = ") != std::string::npos ||
                            c.deck_text.find("\n# " + key + ": ") != std::string::npos;
        REQUIRE(listed);
    }
    REQUIRE_THAT(c.deck_text, Catch::Contains("[lattice]\ndims = 8 6 4\n"));
    REQUIRE_THAT(c.deck_text, Catch::Contains("\noverwrite = true\n"));
    REQUIRE(c.deck_text.find("\ntolerance =") == std::string::npos);
    REQUIRE_THAT(c.deck_text, Catch::Contains("\n# kappa: not used with action.form = mass"));
    REQUIRE_THAT(c.deck_text, Catch::Contains("\nm2 = piecewise -1 250 -2\n"));
}

TEST_CASE("hopping and mass forms take their own keys", "[deck]") {
    const Config hopping = load(lattice + "[action]\nform = hopping\nkappa = 0.25\n");
    REQUIRE(hopping.action.form == ActionForm::hopping);
    REQUIRE(hopping.action.kappa == 0.25);
    REQUIRE(hopping.action.coupling.empty());
    REQUIRE_THAT(hopping.deck_text, Catch::Contains("# m2: not used with action.form = hopping"));
    const Config mass = load(lattice + "[action]\nm2 = -0.7\nlambda = 0.5\n");
    REQUIRE(mass.action.m2 == -0.7);
    REQUIRE(mass.action.kappa == 0.0);
    // lambda and h belong to both forms.
    REQUIRE(
        load(lattice + "[action]\nform = hopping\nkappa = 0.1\nlambda = 2\nh = 0.5\n").action.h ==
        std::vector<double>{0.5});
}

TEST_CASE("every deck error names the key, the value and what is allowed", "[deck]") {
    struct Case {
        std::string deck;
        std::vector<std::string> overrides;
        std::string key;
        std::vector<std::string> fragments;
    };
    // clang-format off
    const std::vector<Case> cases = {
        // INI syntax, unknown keys and sections, duplicates (read_deck_values).
        {lattice + "this is not ini\n", {}, "", {"invalid line 'this is not ini'", "key = value"}},
        {lattice + "[run]\nsed = 3\n", {}, "run.sed", {"unknown key", "'3'", "did you mean 'run.seed'?"}},
        {lattice + "[run]\nsteps = 3\n", {}, "run.steps", {"unknown key", "did you mean 'dynamics.steps'?"}},
        {lattice + "[lattice]\ncoupling = 2\n", {}, "lattice.coupling", {"did you mean 'action.coupling'?"}},
        {lattice + "[dynamic]\nsteps = 3\n", {}, "dynamic.steps", {"unknown section '[dynamic]'", "did you mean '[dynamics]'?"}},
        {"dims = 4\n", {}, "dims", {"outside any section", "did you mean 'lattice.dims'?"}},
        {lattice, {"action.mm2=1"}, "action.mm2", {"--set", "unknown key", "did you mean 'action.m2'?"}},
        {lattice + "[run]\nseed = 1\nseed = 2\n", {}, "run.seed", {"duplicate key", "'1'", "'2'"}},
        {lattice, {"run.seed=1", "run.seed=2"}, "run.seed", {"--set", "duplicate key"}},
        {lattice, {"run.seed"}, "run.seed", {"--set", "expected section.key=value"}},
        // Types.
        {lattice + "[action]\nm2 = abc\n", {}, "action.m2", {"'abc' is not a real number"}},
        {lattice + "[action]\nm2 = inf\n", {}, "action.m2", {"'inf' is not a real number"}},
        {lattice, {"action.m2=abc"}, "action.m2", {"--set", "'abc' is not a real number"}},
        {lattice + "[dynamics]\nsteps = 1e3\n", {}, "dynamics.steps", {"'1e3' is not an integer", "an integer >= 0"}},
        {lattice + "[run]\noverwrite = maybe\n", {}, "run.overwrite", {"'maybe' is not a boolean", "true, false, yes, no, 1 or 0"}},
        {lattice + "[run]\noutput =\n", {}, "run.output", {"empty", "a non-empty string"}},
        // Ranges.
        {lattice + "[run]\nseed = 4294967296\n", {}, "run.seed", {"'4294967296' is out of range", "[0, 4294967295]"}},
        {lattice + "[run]\nseed = -1\n", {}, "run.seed", {"'-1' is out of range", "[0, 4294967295]"}},
        {lattice + "[action]\nlambda = -0.1\n", {}, "action.lambda", {"'-0.1' is out of range", "unbounded below", ">= 0"}},
        {lattice + "[field]\ncomponents = 65\n", {}, "field.components", {"'65' is out of range", "[1, 64]"}},
        {lattice + "[measure]\ncompression = 10\n", {}, "measure.compression", {"'10'", "[0, 9]"}},
        {lattice + "[measure]\nevery = 0\n", {}, "measure.every", {"'0' is out of range", ">= 1"}},
        {lattice + "[checkpoint]\nevery = -5\n", {}, "checkpoint.every", {"'-5' is out of range", ">= 0"}},
        {lattice + "[checkpoint]\nfile =\n", {}, "checkpoint.file", {"empty"}},
        {lattice + "[dynamics]\nstep = 0\n", {}, "dynamics.step", {"'0' is out of range", "> 0"}},
        {lattice + "[field]\ninit_sigma = -1\n", {}, "field.init_sigma", {"'-1' is out of range", ">= 0"}},
        {lattice + "[action]\ncoupling = 1 -1\n", {}, "action.coupling", {"entry '-1' of '1 -1' is out of range", ">= 0"}},
        {"[lattice]\ndims = 8 1\n", {}, "lattice.dims", {"entry '1' of '8 1' is out of range", ">= 2"}},
        {"[lattice]\ndims = 1048576 1048576 2\n", {}, "lattice.dims", {"'1048576 1048576 2'", "2^40"}},
        // Lists.
        {"[lattice]\ndims = 8,,8\n", {}, "lattice.dims", {"'8,,8' is not a valid list", "separated by spaces or commas"}},
        {"[lattice]\ndims = 8 8,\n", {}, "lattice.dims", {"not a valid list"}},
        {"[lattice]\ndims = 8 x\n", {}, "lattice.dims", {"entry 'x' of '8 x' is not an integer"}},
        {"[lattice]\ndims = 2 2 2 2 2\n", {}, "lattice.dims", {"has 5 entries", "1 to 4 integers"}},
        {lattice + "boundary = open open open\n", {}, "lattice.boundary", {"'open open open' has 3 entries", "lattice.dims has 2 axes"}},
        {lattice + "[field]\ncomponents = 2\ninit_value = 1 2 3\n", {}, "field.init_value", {"has 3 entries", "field.components = 2"}},
        {lattice + "[action]\nh = 1 2\n", {}, "action.h", {"'1 2' has 2 entries", "field.components = 1"}},
        // Required keys.
        {"", {}, "lattice.dims", {"missing required key", "1 to 4 integers >= 2"}},
        {lattice + "[field]\ninit = file\n", {}, "field.init_file", {"missing key", "required with field.init = file"}},
        {lattice + "[action]\nform = hopping\n", {}, "action.kappa", {"missing key", "required with action.form = hopping", "> 0"}},
        // Choices.
        {lattice + "[dynamics]\nmethod = langevn\n", {}, "dynamics.method", {"'langevn' is not a valid choice", "flow_adaptive", "did you mean 'langevin'?"}},
        {lattice + "[field]\ninit = Hot\n", {}, "field.init", {"'Hot'", "one of cold, hot, file", "did you mean 'hot'?"}},
        {lattice + "boundary = periodc open\n", {}, "lattice.boundary", {"entry 'periodc'", "periodic, open", "did you mean 'periodic'?"}},
        // Conflicting keys.
        {lattice + "[field]\ninit_file = a.h5\n", {}, "field.init_file", {"'a.h5' cannot be given with field.init = cold"}},
        {lattice + "[action]\nkappa = 0.1\n", {}, "action.kappa", {"'0.1' cannot be given with action.form = mass"}},
        {lattice + "[action]\nform = hopping\nkappa = 0\n", {}, "action.kappa", {"'0' is out of range", "> 0"}},
        {lattice + "[action]\nform = hopping\nkappa = 0.1\nm2 = -1\n", {}, "action.m2", {"'-1' cannot be given with action.form = hopping", "derived from kappa and lambda"}},
        {lattice + "[action]\nform = hopping\nkappa = 0.1\ncoupling = 2\n", {}, "action.coupling", {"'2'", "derived from kappa and lambda"}},
        {"[lattice]\ndims = 4 4\nboundary = periodic open\n[action]\nform = hopping\nkappa = 0.1\n", {}, "lattice.boundary", {"'periodic open'", "action.form = hopping", "exact only"}},
        {lattice + "[dynamics]\ntolerance = 1e-3\n", {}, "dynamics.tolerance", {"'1e-3' cannot be given with dynamics.method = langevin", "flow_adaptive"}},
        {lattice + "[dynamics]\nmethod = flow\ntemperature = 0.5\n", {}, "dynamics.temperature", {"'0.5'", "dynamics.method = flow", "gradient flow has no noise; use method = langevin"}},
        {lattice + "[dynamics]\nmethod = flow_rk3\n[schedule]\ntemperature = 1\n", {}, "schedule.temperature", {"gradient flow has no noise"}},
        {lattice + "[dynamics]\ntemperature = 2\n[schedule]\ntemperature = 3\n", {}, "dynamics.temperature", {"'2'", "together with schedule.temperature"}},
        {lattice + "[dynamics]\nstep = 0.1\n", {"schedule.step=0.2"}, "dynamics.step", {"together with schedule.step"}},
        {lattice + "[action]\nm2 = 1\n[schedule]\nm2 = linear 1 -1\n", {}, "action.m2", {"together with schedule.m2"}},
        {lattice + "[action]\nh = 1\n[schedule]\nh = linear 0 1\n", {}, "action.h", {"together with schedule.h"}},
        {lattice + "[dynamics]\nmethod = flow_adaptive\n[schedule]\nstep = 0.1\n", {}, "schedule.step", {"'0.1' cannot be given with dynamics.method = flow_adaptive"}},
        {lattice + "[action]\nform = hopping\nkappa = 0.1\n[schedule]\nm2 = 1\n", {}, "schedule.m2", {"with action.form = hopping"}},
        // Schedules.
        {lattice + "[schedule]\nstep = linear 0.1 0\n", {}, "schedule.step", {"'linear 0.1 0' takes the value 0, which is out of range", "values > 0"}},
        {lattice + "[schedule]\ntemperature = piecewise 1 10 -1\n", {}, "schedule.temperature", {"takes the value -1", "values >= 0"}},
        {lattice + "[schedule]\nh = linear 1\n", {}, "schedule.h", {"'linear 1' is not a valid schedule", "missing V1", "linear V0 V1 [START:END]"}},
        {lattice + "[dynamics]\nsteps = 0\n[schedule]\nm2 = linear 1 -1\n", {}, "schedule.m2", {"schedule ends before it starts"}},
    };
    // clang-format on
    REQUIRE(cases.size() >= 20);
    for (const Case& c : cases) {
        INFO("deck:\n" << c.deck << "--set: " << (c.overrides.empty() ? "" : c.overrides[0]));
        try {
            load(c.deck, c.overrides);
            FAIL("no InputError");
        } catch (const InputError& e) {
            const std::string message = e.what();
            INFO("message: " << message);
            CHECK_THAT(message, Catch::Contains(c.key));
            for (const std::string& f : c.fragments)
                CHECK_THAT(message, Catch::Contains(f));
        }
    }
}

TEST_CASE("the key table is well formed", "[deck]") {
    std::set<std::string_view> names;
    std::string_view previous_section;
    std::set<std::string_view> finished_sections;
    for (const KeySpec& k : key_table()) {
        INFO(k.name);
        REQUIRE(names.insert(k.name).second);
        REQUIRE(k.name.find('.') != std::string_view::npos);
        REQUIRE(find_key(k.name) == &k);
        REQUIRE_FALSE(k.description.empty());
        REQUIRE((k.presence == Presence::defaulted) == !k.default_value.empty());
        REQUIRE((k.type == KeyType::choice || k.type == KeyType::choices) == !k.choices.empty());
        // Sections are contiguous, so the resolved deck has each [section] once.
        if (k.section() != previous_section) {
            REQUIRE(finished_sections.insert(previous_section).second);
            REQUIRE_FALSE(finished_sections.contains(k.section()));
            previous_section = k.section();
        }
    }
    REQUIRE(find_key("run.nothing") == nullptr);
}

TEST_CASE("print_keys lists every key with its default and allowed values", "[deck]") {
    std::ostringstream text;
    print_keys(text, KeysFormat::text);
    std::ostringstream markdown;
    print_keys(markdown, KeysFormat::markdown);
    for (const KeySpec& k : key_table()) {
        INFO(k.name);
        REQUIRE_THAT(text.str(), Catch::Contains(std::string(k.name)));
        REQUIRE_THAT(text.str(), Catch::Contains(allowed_text(k)));
        REQUIRE_THAT(text.str(), Catch::Contains(std::string(k.description)));
        REQUIRE_THAT(markdown.str(), Catch::Contains("| `" + std::string(k.name) + "` |"));
    }
    REQUIRE_THAT(text.str(), Catch::Contains("an integer in [0, 4294967295]"));
    REQUIRE_THAT(markdown.str(), Catch::Contains("| `lattice.dims` | required |"));
}

TEST_CASE("docs/keys.md is the markdown of print_keys", "[deck]") {
    std::ostringstream markdown;
    print_keys(markdown, KeysFormat::markdown);
    const auto path = std::filesystem::path(SSBSIM_SOURCE_DIR) / "docs" / "keys.md";
    // Regenerate after changing the key table: SSBSIM_UPDATE_DOCS=1 test_deck "docs/keys.md*"
    if (const char* update = std::getenv("SSBSIM_UPDATE_DOCS");
        update && update == std::string("1"))
        std::ofstream(path, std::ios::binary) << markdown.str();
    INFO("stale " << path << ": run SSBSIM_UPDATE_DOCS=1 test_deck \"docs/keys.md*\"");
    REQUIRE(read_file(path) == markdown.str());
}

TEST_CASE("numbers use one syntax and print back exactly", "[deck]") {
    REQUIRE(parse_real("1e-3") == 1e-3);
    REQUIRE(parse_real("+2.5") == 2.5);
    REQUIRE(parse_real("-.5") == -0.5);
    REQUIRE_FALSE(parse_real("+-1"));
    REQUIRE_FALSE(parse_real("1.5x"));
    REQUIRE_FALSE(parse_real(" 1"));
    REQUIRE_FALSE(parse_real("nan"));
    REQUIRE_FALSE(parse_real("1e400"));
    REQUIRE_FALSE(parse_real(""));
    REQUIRE(parse_integer("-42") == -42);
    REQUIRE(parse_integer("+7") == 7);
    REQUIRE_FALSE(parse_integer("1.0"));
    REQUIRE_FALSE(parse_integer("1e3"));
    REQUIRE_FALSE(parse_integer("99999999999999999999"));
    for (double v : {0.1, 1.0 / 3.0, -2.5e-300, 1e6, 4294967295.0, 0.30000000000000004}) {
        INFO(v);
        REQUIRE(parse_real(format_real(v)) == v);
    }
    REQUIRE(format_real(0.01) == "0.01");
    REQUIRE(format_real(1.0) == "1");
}

TEST_CASE("[training] sets the step and temperature by the SGD-Langevin map", "[deck][training]") {
    const std::string base = "[lattice]\ndims = 8 8\n[dynamics]\nsteps = 1000\n";
    const Config c = load_deck_text(
        base + "[training]\nlearning_rate = 0.05\nbatch_size = 4\ngrad_variance = 2\n", {},
        "t.ini");
    REQUIRE(c.training.enabled);
    REQUIRE(c.dynamics.step == 0.05);
    REQUIRE(c.dynamics.temperature == Approx(0.05 * 2 / (2 * 4)));
    // A learning-rate schedule drives both, temperature proportionally.
    const Config s = load_deck_text(
        base +
            "[training]\nlr_schedule = warmup 100 cosine 0.1 0.001 [100:1000]\nbatch_size = 10\n",
        {}, "t.ini");
    REQUIRE(s.schedule.step->at(0) == Approx(0.1 / 100));
    REQUIRE(s.schedule.step->at(99) == 0.1); // warm-up done, cosine decay starts at 100
    REQUIRE(s.schedule.step->at(550) == Approx(0.001 + 0.099 * 0.5));
    REQUIRE(s.schedule.step->at(1000) == Approx(0.001));
    for (std::int64_t step : {0, 50, 500, 1000})
        REQUIRE(s.schedule.temperature->at(step) == Approx(s.schedule.step->at(step) * 1.0 / 20.0));
    // The resolved deck reads back to the same run.
    REQUIRE(load_deck_text(s.deck_text, {}, "t.ini").deck_text == s.deck_text);
    // Both vocabularies at once is an error naming the key.
    REQUIRE_THROWS_WITH(
        load_deck_text(base + "[training]\nlearning_rate = 0.05\n", {"dynamics.step=0.1"}, "t.ini"),
        Catch::Contains("dynamics.step") && Catch::Contains("[training]"));
    REQUIRE_THROWS_WITH(load_deck_text(base + "[training]\nlearning_rate = 0.05\n",
                                       {"schedule.temperature=linear 1 0"}, "t.ini"),
                        Catch::Contains("schedule.temperature"));
    REQUIRE_THROWS_WITH(load_deck_text(base + "[training]\nbatch_size = 8\n", {}, "t.ini"),
                        Catch::Contains("training.batch_size"));
    // Full-batch gradient descent: no gradient noise to describe.
    REQUIRE_THROWS_WITH(
        load_deck_text(base + "[training]\nlearning_rate = 0.05\ngrad_variance = 1\n",
                       {"dynamics.method=flow"}, "t.ini"),
        Catch::Contains("training.grad_variance"));
    REQUIRE(load_deck_text(base + "[training]\nlearning_rate = 0.05\n", {"dynamics.method=flow"},
                           "t.ini")
                .dynamics.step == 0.05);
}

TEST_CASE("[training] noise and dropout: defaults, and where they apply", "[deck][training]") {
    const std::string net = "[network]\ndepth = 3\nwidth = 8\nfan_in = 4\n[training]\n"
                            "learning_rate = 0.05\n";
    const Config d = load_deck_text(net, {}, "t.ini");
    REQUIRE(d.training.noise == TrainingNoise::independent);
    REQUIRE(d.training.dropout == 0.0);
    const Config c = load_deck_text(net + "noise = shared\ndropout = 0.25\n", {}, "t.ini");
    REQUIRE(c.training.noise == TrainingNoise::shared);
    REQUIRE(c.training.dropout == 0.25);
    const NoiseModel m = noise_model(c);
    REQUIRE(m.shared == std::array<bool, max_dims>{false, true, true, false}); // neuron, input
    REQUIRE(m.neuron_is_row);
    REQUIRE_FALSE(noise_model(d).shares());
    // A general lattice shares along its mean-field axes; without one, shared is an error.
    const std::string plain = "[lattice]\ndims = 8 8\n[training]\nlearning_rate = 0.05\n";
    REQUIRE(noise_model(load_deck_text(plain + "noise = shared\n",
                                       {"action.coupling_kind=nearest mean"}, "t.ini"))
                .shared == std::array<bool, max_dims>{false, true, false, false});
    REQUIRE_THROWS_WITH(load_deck_text(plain + "noise = shared\n", {}, "t.ini"),
                        Catch::Contains("training.noise") && Catch::Contains("mean-field"));
    // Dropout needs neurons and an Euler step; shared noise needs noise.
    REQUIRE_THROWS_WITH(load_deck_text(plain + "dropout = 0.1\n", {}, "t.ini"),
                        Catch::Contains("training.dropout") && Catch::Contains("[network]"));
    REQUIRE_THROWS_WITH(
        load_deck_text(net + "dropout = 0.1\n", {"dynamics.method=momentum"}, "t.ini"),
        Catch::Contains("training.dropout") && Catch::Contains("momentum"));
    REQUIRE(load_deck_text(net + "dropout = 0.1\n", {"dynamics.method=flow"}, "t.ini")
                .training.dropout == 0.1);
    REQUIRE_THROWS_WITH(load_deck_text(net + "noise = shared\n", {"dynamics.method=flow"}, "t.ini"),
                        Catch::Contains("training.noise"));
    REQUIRE_THROWS_WITH(load_deck_text(net + "dropout = 1.5\n", {}, "t.ini"),
                        Catch::Contains("training.dropout"));
    // The resolved deck reads back to the same run.
    REQUIRE(load_deck_text(c.deck_text, {}, "t.ini").deck_text == c.deck_text);
}

TEST_CASE("scan points are the product of the scanned keys, named by their values",
          "[deck][scan]") {
    const std::string deck = "[action]\nlambda = 1\n[scan]\naction.m2 = -1.4:-1.1:0.1\n"
                             "lattice.dims = 8 8, 16 16\n";
    const auto points = scan_points(deck, {}, "inputs/b.ini");
    REQUIRE(points.size() == 8);
    REQUIRE(points[0].label == "m2=-1.4_dims=8x8");
    REQUIRE(points[7].label == "m2=-1.1_dims=16x16");
    REQUIRE(points[7].output == "b_m2=-1.1_dims=16x16.h5");
    REQUIRE(points[5].settings == std::vector<std::string>{"action.m2=-1.2", "lattice.dims=16 16",
                                                           "run.output=b_m2=-1.2_dims=16x16.h5"});
    const Config c = load_deck_text(deck, points[5].settings, "inputs/b.ini");
    REQUIRE(c.action.m2 == -1.2);
    REQUIRE(c.deck_text.find("[scan]") == std::string::npos);
    // Without [scan]: one point, the deck's own output.
    REQUIRE(scan_points("[lattice]\ndims = 4\n", {}, "x.ini").size() == 1);
    REQUIRE_THROWS_WITH(scan_points(deck + "[action]\nm2 = 1\n", {}, "b.ini"),
                        Catch::Contains("action.m2"));
    REQUIRE_THROWS_WITH(scan_points("[lattice]\ndims = 4\n[scan]\naction.m2 = 1:0:0.1\n", {}, "b"),
                        Catch::Contains("scan.action.m2"));
}

TEST_CASE("scan.together ties scanned keys into one axis named by the first", "[deck][scan]") {
    const std::string deck = "[lattice]\ndims = 8\n[scan]\naction.m2 = -1, -2\n"
                             "dynamics.steps = 100, 200, 400\nmeasure.every = 1, 2, 4\n"
                             "together = dynamics.steps measure.every\n";
    const auto points = scan_points(deck, {}, "k.ini");
    REQUIRE(points.size() == 6);
    REQUIRE(points[4].label == "m2=-2_steps=200");
    REQUIRE(points[4].settings == std::vector<std::string>{"action.m2=-2", "dynamics.steps=200",
                                                           "measure.every=2",
                                                           "run.output=k_m2=-2_steps=200.h5"});
    const Config c = load_deck_text(deck, points[5].settings, "k.ini");
    REQUIRE(c.dynamics.steps == 400);
    REQUIRE(c.measure.every == 4);
    // Unequal lengths, an unscanned key, a single key: refused naming scan.together.
    for (const std::string bad :
         {"dynamics.steps action.m2", "dynamics.steps lattice.dims", "dynamics.steps"})
        REQUIRE_THROWS_WITH(scan_points("[lattice]\ndims = 8\n[scan]\naction.m2 = -1, -2\n"
                                        "dynamics.steps = 100, 200, 400\ntogether = " +
                                            bad + "\n",
                                        {}, "k.ini"),
                            Catch::Contains("scan.together"));
}
