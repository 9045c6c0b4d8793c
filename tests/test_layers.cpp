// Per-layer observables of the network geometry against a brute-force computation from the
// saved configuration (with an independent, loop-by-loop force of the network action), and the
// quenched source: reproducible from its own seed, independent of run.seed.
#include "cli.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/physics/source.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

constexpr int depth = 3, width = 5, fan_in = 4;
constexpr double m2 = -0.8, lambda = 0.6, J_layer = 0.7, J_neuron = 1.1, J_input = 0.4, h = 0.05;

const std::string network_deck = R"([network]
depth = 3
width = 5
fan_in = 4
layer_coupling = 0.7
neuron_coupling = 1.1
input_coupling = 0.4
[field]
init = hot
[action]
m2 = -0.8
lambda = 0.6
h = 0.05
[dynamics]
steps = 30
step = 0.02
[measure]
every = 10
save_every = 10
)";

double at(const std::vector<double>& phi, int l, int i, int k) {
    return phi[static_cast<std::size_t>((l * width + i) * fan_in + k)];
}

// −∂S/∂φ written out for the layer x neuron x input network (N = 1).
double force(const std::vector<double>& phi, int l, int i, int k) {
    const double x = at(phi, l, i, k);
    double f = -(m2 + lambda * x * x) * x + h;
    for (int dl : {-1, 1})
        if (l + dl >= 0 && l + dl < depth) f += J_layer * (at(phi, l + dl, i, k) - x);
    double neuron_mean = 0.0, input_mean = 0.0;
    for (int j = 0; j < width; ++j)
        neuron_mean += at(phi, l, j, k) / width;
    for (int q = 0; q < fan_in; ++q)
        input_mean += at(phi, l, i, q) / fan_in;
    return f - 2.0 * J_neuron * (x - neuron_mean) - 2.0 * J_input * (x - input_mean);
}

} // namespace

TEST_CASE("per-layer observables equal a direct computation from the saved field", "[layers]") {
    Scratch s("layers");
    s.write("net.ini", network_deck);
    REQUIRE(run_ssbsim(s, "run net.ini -o net.h5").status == 0);
    const h5::Group root = h5::File::open_read(s.path("net.h5")).root();
    REQUIRE(root.read_attr_strings("axis_names") ==
            std::vector<std::string>{"layer", "neuron", "input"});
    const auto saved_steps = root.open_dataset("configurations/step").read_int64();
    const auto layer_steps = root.open_dataset("layers/step").read_int64();
    const h5::Dataset fields = root.open_dataset("configurations/field");
    for (std::size_t c = 0; c < saved_steps.size(); ++c) {
        const auto row = static_cast<std::uint64_t>(
            std::find(layer_steps.begin(), layer_steps.end(), saved_steps[c]) -
            layer_steps.begin());
        REQUIRE(row < layer_steps.size());
        const std::vector<double> phi = fields.read_rows_double(c, 1);
        const auto M = root.open_dataset("layers/magnetization").read_rows_double(row, 1);
        const auto D = root.open_dataset("layers/diversity").read_rows_double(row, 1);
        const auto G = root.open_dataset("layers/grad_variance").read_rows_double(row, 1);
        for (int l = 0; l < depth; ++l) {
            double mean = 0.0, f_mean = 0.0, f2 = 0.0, diversity = 0.0;
            const double n = width * fan_in;
            for (int i = 0; i < width; ++i)
                for (int k = 0; k < fan_in; ++k) {
                    mean += at(phi, l, i, k) / n;
                    const double f = force(phi, l, i, k);
                    f_mean += f / n;
                    f2 += f * f / n;
                }
            for (int k = 0; k < fan_in; ++k) {
                double neuron_mean = 0.0;
                for (int i = 0; i < width; ++i)
                    neuron_mean += at(phi, l, i, k) / width;
                for (int i = 0; i < width; ++i)
                    diversity += std::pow(at(phi, l, i, k) - neuron_mean, 2) / n;
            }
            INFO("step " << saved_steps[c] << " layer " << l);
            CHECK(M[l] == Approx(mean).epsilon(1e-12).margin(1e-14));
            CHECK(D[l] == Approx(diversity).epsilon(1e-10));
            CHECK(G[l] == Approx(f2 - f_mean * f_mean).epsilon(1e-9));
        }
    }
}

TEST_CASE("a quenched random source depends on its own seed only", "[layers][source]") {
    Config c;
    c.lattice.dims = {6, 7};
    c.lattice.boundary = {Boundary::periodic};
    c.field.components = 2;
    c.action.h_source = HSource::random;
    c.action.h_sigma = 0.5;
    c.action.h_seed = 42;
    const Lattice lat(c.lattice);
    c.run.seed = 1;
    const Field a = *source_field(c, lat);
    c.run.seed = 2; // the dynamics' seed does not touch the data
    REQUIRE(source_field(c, lat)->bitwise_equal(a));
    c.action.h_seed = 43;
    REQUIRE_FALSE(source_field(c, lat)->bitwise_equal(a));
    double s2 = 0.0;
    for (int k = 0; k < 2; ++k)
        for (std::int64_t x = 0; x < lat.volume(); ++x)
            s2 += std::pow(a.component(k)[x], 2);
    REQUIRE(std::sqrt(s2 / (2.0 * lat.volume())) == Approx(0.5).epsilon(0.2));
    c.action.h_source = HSource::constant;
    REQUIRE_FALSE(source_field(c, lat).has_value());
}

TEST_CASE("a source read from a file enters the force; a bad file is an input error",
          "[layers][source]") {
    Scratch s("source-file");
    s.write("net.ini", network_deck);
    // The saved configuration of one run is the data of the next (e.g. exported weights).
    REQUIRE(run_ssbsim(s, "run net.ini -o first.h5").status == 0);
    {
        const auto d =
            h5::File::open_read(s.path("first.h5")).root().open_dataset("configurations/field");
        const std::vector<double> w = d.read_rows_double(0, 1);
        h5::File f = h5::File::create(s.path("data.h5"), true);
        f.root().write_dataset("weights", w.data(), {depth, width, fan_in});
    }
    const std::string with_file = " --set action.h_source=file --set action.h_file=data.h5 "
                                  "--set action.h_dataset=weights";
    REQUIRE(run_ssbsim(s, "run net.ini" + with_file + " -o second.h5").status == 0);
    const auto p1 = h5::File::open_read(s.path("first.h5"))
                        .root()
                        .open_dataset("observables/potential")
                        .read_double();
    const auto p2 = h5::File::open_read(s.path("second.h5"))
                        .root()
                        .open_dataset("observables/potential")
                        .read_double();
    REQUIRE(p1[0] != p2[0]); // the source term -h_x phi_x changes the action
    const Result bad =
        run_ssbsim(s, "run net.ini" + with_file + " --set action.h_dataset=nope -o x.h5");
    REQUIRE(bad.status == 2);
    REQUIRE(bad.err.find("nope") != std::string::npos);
    REQUIRE_FALSE(std::filesystem::exists(s.path("x.h5")));
}
