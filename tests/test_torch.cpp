// The PyTorch weight recorder (ssbsim.torch, analysis/ssbsim/torch.py) and the training dictionary
// tested on a real network (analysis/torch_dictionary.py, docs/network.md "Real training runs"): a
// recording has ssbsim's layout, so `ssbsim info`, `measure`, `analyze` and the plots read it; the
// measured per-layer observables equal a direct computation from the torch weights (with the
// documented padding of a first layer of another fan-in); and the dictionary's exact statements
// hold: from a constant start, full-batch GD and minibatch SGD keep every layer's neurons identical
// (D_l = 0 exactly) while dropout and the field's independent Langevin noise break the symmetry;
// the field's shared noise keeps it as minibatch SGD does; dropout raises the replica distance
// (symmetry_breakers.py).
// Needs Debian's python3-torch (scripts/install-deps.sh): without it the tests fail saying so
// (and ssbsim.torch's own ImportError names the package: tested with torch hidden).
#include "cli.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

void require_torch(const Scratch& s) {
    const std::string cmd =
        std::string(SSBSIM_PYTHON) + " -c 'import torch' > '" + s.path("torch.log") + "' 2>&1";
    if (std::system(cmd.c_str()) != 0)
        FAIL("PyTorch is not installed for " SSBSIM_PYTHON
             ": install Debian's python3-torch (apt-get install python3-torch, or "
             "scripts/install-deps.sh)");
}

void run_ok(const Scratch& s, const std::string& args) {
    const Result r = run_ssbsim(s, args);
    INFO(args << "\n" << r.err);
    REQUIRE(r.status == 0);
}

Result run_python(const Scratch& s, const std::string& script, const std::string& args = "") {
    const std::string out = s.path("py.out"), err = s.path("py.err");
    const std::string cmd = "cd '" + s.dir.string() + "' && PYTHONPATH='" + analysis_dir + "' " +
                            SSBSIM_PYTHON + " '" + script + "' " + args + " > '" + out + "' 2> '" +
                            err + "'";
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw), slurp(out), slurp(err)};
}

// Three replicas of a 3-layer tanh MLP (first layer of fan-in 5, padded to 8), recorded every
// step for 120 steps with a decaying learning rate; the direct D_l of the real weights of every
// layer at the last step goes to direct.json.
const std::string record_script = R"(
import json, numpy as np, torch
import ssbsim.torch as st
torch.set_num_threads(1)
x = torch.randn(40, 5, generator=torch.Generator().manual_seed(0))
y = torch.sin(x.sum(1, keepdim=True))
final = []
with st.Recorder("rec.h5", replicas=3, every=1, learning_rate=0.1, batch_size=8, seed=3) as rec:
    for r in range(3):
        torch.manual_seed(5)
        m = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1))
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=60, gamma=0.5)
        tap = rec.attach(m, opt, [m[0], m[2], m[4]], replica=r)
        g = torch.Generator().manual_seed(100 + r)
        for step in range(120):
            i = torch.randperm(40, generator=g)[:8]
            loss = ((m(x[i]) - y[i]) ** 2).mean()
            opt.zero_grad(); loss.backward(); opt.step(); tap.step(); sched.step()
        final.append([m[k].weight.detach().double().numpy() for k in (0, 2, 4)])
w = final[0]
div = [float(((l - l.mean(0)) ** 2).mean()) for l in w]
mag = [float(l.mean()) for l in w]
json.dump({"diversity": div, "magnetization": mag, "w00": float(w[0][0, 0]),
           "w_last": float(w[2][7, 7]), "w_r2": float(final[2][1][3, 4])}, open("direct.json", "w"))
)";

} // namespace

TEST_CASE("without torch, ssbsim.torch fails naming python3-torch and the package still imports",
          "[torch]") {
    // Torch made unimportable (None in sys.modules), whether or not it is installed.
    Scratch s("torch-missing");
    s.write("missing.py", R"(
import sys
sys.modules["torch"] = None
import ssbsim, ssbsim.reader  # the rest of the package does not need torch
try:
    import ssbsim.torch
except ImportError as e:
    print(e)
    sys.exit(3)
)");
    const Result r = run_python(s, "missing.py");
    INFO(r.err);
    REQUIRE(r.status == 3);
    REQUIRE(r.out.find("python3-torch") != std::string::npos);
    REQUIRE(r.out.find("install-deps.sh") != std::string::npos);
}

TEST_CASE("torch recorder: ssbsim's layout, read by info, measure, analyze and the plots",
          "[torch]") {
    Scratch s("torch-recorder");
    require_torch(s);
    s.write("record.py", record_script);
    const Result r = run_python(s, "record.py");
    INFO(r.err);
    REQUIRE(r.status == 0);

    const Result info = run_ssbsim(s, "info rec.h5");
    REQUIRE(info.status == 0);
    CHECK(info.out.find("saved configurations: 121  last step: 120") != std::string::npos);
    CHECK(info.out.find("/configurations/replica_field  [121, 3, 3, 8, 8, 1]") !=
          std::string::npos);
    CHECK(info.out.find("/configurations/learning_rate") != std::string::npos);
    {
        const h5::File f = h5::File::open_read(s.path("rec.h5"));
        const h5::Group root = f.root();
        CHECK(root.read_attr_int64s("layer_fan_in") == std::vector<std::int64_t>{5, 8, 8});
        CHECK(root.read_attr_strings("axis_names") ==
              std::vector<std::string>{"layer", "neuron", "input"});
        const std::vector<double> lr =
            root.open_dataset("configurations/learning_rate").read_double();
        CHECK(lr[0] == 0.1);
        CHECK(lr[120] == 0.05); // StepLR halved it at step 60
        const std::vector<double> t = root.open_dataset("configurations/time").read_double();
        CHECK(t[120] == Approx(60 * 0.1 + 60 * 0.05).epsilon(1e-12));
        // The recorded weights are torch's, bit for bit, at their documented places.
        const std::vector<double> w =
            root.open_dataset("configurations/replica_field").read_rows_double(120, 1);
        const auto at = [&](int rep, int l, int i, int k) {
            return w[static_cast<std::size_t>(((rep * 3 + l) * 8 + i) * 8 + k)];
        };
        CHECK(at(0, 0, 0, 0) == py_number(s, "direct.json", "d['w00']"));
        CHECK(at(0, 2, 7, 7) == py_number(s, "direct.json", "d['w_last']"));
        CHECK(at(2, 1, 3, 4) == py_number(s, "direct.json", "d['w_r2']"));
        for (int i = 0; i < 8; ++i)
            for (int k = 5; k < 8; ++k)
                REQUIRE(at(1, 0, i, k) == 0.0); // the padding of the first layer
    }

    run_ok(s, "measure rec.h5");
    const h5::File f = h5::File::open_read(s.path("rec_measured.h5"));
    const h5::Group root = f.root();
    REQUIRE(root.read_attr_int64("replicas") == 3);
    CHECK(root.read_attr_int64s("layer_fan_in") == std::vector<std::int64_t>{5, 8, 8});
    CHECK(root.read_attr_string("measured_from") == "rec.h5");
    const std::vector<double> div = root.open_dataset("layers/diversity").read_rows_double(120, 1);
    const std::vector<double> mag =
        root.open_dataset("layers/magnetization").read_rows_double(120, 1);
    // Layer 0 holds 5 of 8 inputs: its means are 5/8 of the real weights' (docs/network.md).
    const double fan_in_ratio[3] = {5.0 / 8.0, 1.0, 1.0};
    for (int l = 0; l < 3; ++l) {
        INFO("layer " << l);
        const std::string i = std::to_string(l);
        CHECK(div[l] ==
              Approx(fan_in_ratio[l] * py_number(s, "direct.json", "d['diversity'][" + i + "]"))
                  .epsilon(1e-10));
        CHECK(mag[l] ==
              Approx(fan_in_ratio[l] * py_number(s, "direct.json", "d['magnetization'][" + i + "]"))
                  .epsilon(1e-10));
    }
    const std::vector<double> d = root.open_dataset("replicas/distance").read_double();
    CHECK(d[0] == 0.0);  // the replicas start from the same weights
    CHECK(d[120] > 0.0); // and their batches differ
    run_ok(s, "analyze rec_measured.h5 --skip 0");
    for (const char* script : {"plot_layers.py", "plot_replicas.py"}) {
        const Result p = run_script(s, script, "rec_measured.h5 -o p.png");
        INFO(script << "\n" << p.err);
        CHECK(p.status == 0);
    }
}

TEST_CASE("torch dictionary: minibatch noise keeps a constant start symmetric, dropout and "
          "Langevin noise break it",
          "[torch]") {
    Scratch s("torch-dictionary");
    require_torch(s);
    const Result r = run_python(s, analysis_dir + "torch_dictionary.py",
                                std::string("--ssbsim '") + SSBSIM_BINARY +
                                    "' --dir runs --json dict.json -o dict.png");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    const auto value = [&](int run, const std::string& key) {
        return py_number(s, "dict.json", "d['runs'][" + std::to_string(run) + "]['" + key + "']");
    };
    // Order of analysis/torch_dictionary.py: torch {constant, random} x {gd, sgd, dropout}, then
    // field constant {flow, langevin, shared, shared+dropout}, random {flow, langevin}.
    enum {
        c_gd,
        c_sgd,
        c_drop,
        r_gd,
        r_sgd,
        r_drop,
        f_c_flow,
        f_c_sgd,
        f_c_shared,
        f_c_shared_drop,
        f_r_flow,
        f_r_sgd
    };
    // Constant start: identical neurons have identical per-sample gradients.
    CHECK(value(c_gd, "max_diversity") == 0.0);
    CHECK(value(c_gd, "max_distance") == 0.0);
    CHECK(value(c_sgd, "max_diversity") == 0.0);  // the batch noise is the same for every neuron
    CHECK(value(c_sgd, "max_distance") > 1e-7);   // but differs between the replicas
    CHECK(value(c_drop, "max_diversity") > 1e-6); // a mask per neuron breaks the symmetry
    CHECK(value(c_drop, "final_diversity") > 1e-6);
    // Random start: diverse from the start; only the noise separates the replicas.
    for (int run : {r_gd, r_sgd, r_drop})
        CHECK(value(run, "final_diversity") > 1e-3);
    CHECK(value(r_gd, "max_distance") == 0.0);
    CHECK(value(r_sgd, "max_distance") > 1e-6);
    CHECK(value(r_drop, "max_distance") > value(r_sgd, "max_distance"));
    // The field: the flow keeps the constant start symmetric, independent noise breaks it.
    CHECK(value(f_c_flow, "max_diversity") == 0.0);
    CHECK(value(f_c_flow, "max_distance") == 0.0);
    CHECK(value(f_c_sgd, "final_diversity") > 1e-5);
    CHECK(value(f_c_sgd, "final_distance") > 1e-5);
    // training.noise = shared is minibatch SGD's noise: D_l = 0 exactly, the replicas separate;
    // training.dropout breaks the symmetry, as dropout does in torch.
    CHECK(value(f_c_shared, "max_diversity") == 0.0);
    CHECK(value(f_c_shared, "final_distance") > 1e-5);
    CHECK(value(f_c_shared_drop, "final_diversity") > 1e-6);
    // A difference: the field's mean-field coupling pulls a random start's neurons together
    // under the flow, a network's neurons keep their diversity.
    CHECK(value(f_r_flow, "final_diversity") < 1e-6);
    CHECK(value(r_gd, "final_diversity") > 1e-3);
    REQUIRE(std::filesystem::file_size(s.path("dict.png")) > 20000);
}

TEST_CASE("symmetry breakers: dropout raises the replica distance of a real network, input "
          "expansion does not",
          "[torch]") {
    Scratch s("torch-breakers");
    require_torch(s);
    const Result r = run_python(s, analysis_dir + "symmetry_breakers.py",
                                std::string("--ssbsim '") + SSBSIM_BINARY +
                                    "' --dir runs --json breakers.json -o breakers.png");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    const auto value = [&](int run, const std::string& key) {
        return py_number(s, "breakers.json",
                         "d['runs'][" + std::to_string(run) + "]['" + key + "']");
    };
    // Order of analysis/symmetry_breakers.py: torch p = 0, 0.1, 0.2, 0.4, input 32, 64; field
    // shared p = 0, 0.1, 0.2, 0.4; shared fan-in 16, 64; independent fan-in 16, 64, 32.
    enum {
        t_p0,
        t_p1,
        t_p2,
        t_p4,
        t_in32,
        t_in64,
        f_p0,
        f_p1,
        f_p2,
        f_p4,
        f_s16,
        f_s64,
        f_i16,
        f_i64,
        f_i32
    };
    // Torch: each step of p raises d; at p = 0.4 more than tenfold (docs/network.md: 39x).
    CHECK(value(t_p1, "final_distance") > value(t_p0, "final_distance"));
    CHECK(value(t_p2, "final_distance") > value(t_p1, "final_distance"));
    CHECK(value(t_p4, "final_distance") > value(t_p2, "final_distance"));
    CHECK(value(t_p4, "final_distance") > 10 * value(t_p0, "final_distance"));
    // Input expansion with the constant 0.5 lowers d here, and does not lower the loss.
    CHECK(value(t_in32, "final_distance") < value(t_p0, "final_distance"));
    CHECK(value(t_in64, "final_distance") < value(t_in32, "final_distance"));
    CHECK(value(t_in64, "loss") > value(t_p0, "loss"));
    // Field, shared noise: D = 0 exactly without dropout, at every fan-in; dropout breaks the
    // symmetry and raises d, by far less than in torch.
    for (int run : {f_p0, f_s16, f_s64})
        CHECK(value(run, "final_diversity") == 0.0);
    for (int run : {f_p1, f_p2, f_p4})
        CHECK(value(run, "final_diversity") > 1e-6);
    CHECK(value(f_p1, "final_distance") > value(f_p0, "final_distance"));
    CHECK(value(f_p2, "final_distance") > value(f_p1, "final_distance"));
    CHECK(value(f_p4, "final_distance") > value(f_p2, "final_distance"));
    CHECK(value(f_p4, "final_distance") < 1.5 * value(f_p0, "final_distance"));
    // Field, independent noise: d does not depend on the fan-in (within 5 %).
    for (int run : {f_i16, f_i64})
        CHECK(value(run, "final_distance") == Approx(value(f_i32, "final_distance")).epsilon(0.05));
    REQUIRE(std::filesystem::file_size(s.path("breakers.png")) > 20000);
}
