// The site-dependent source (source.hpp): none for a constant h; a quenched random δh_x that is
// a pure function of (action.h_seed, component, site) with the standard deviation h_sigma,
// independent of run.seed and of the noise streams; and a dataset read from an HDF5 file
// (io/inputs.hpp) in either accepted shape, with an InputError naming the key for every unusable
// file.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/inputs.hpp"
#include "ssbsim/physics/rng.hpp"
#include "ssbsim/physics/source.hpp"
#include "tempdir.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace ssbsim;
using Catch::Matchers::Contains;
using ssbsim::test::TempDir;

namespace {

Config config(int components, HSource kind) {
    Config c;
    c.run.seed = 1;
    c.lattice.dims = {12, 10};
    c.lattice.boundary = {Boundary::periodic, Boundary::open};
    c.field.components = components;
    c.action.h_source = kind;
    c.action.h_seed = 77;
    c.action.h_sigma = 0.3;
    return c;
}

} // namespace

TEST_CASE("a constant h has no site-dependent part", "[source]") {
    const Config c = config(2, HSource::constant);
    CHECK_FALSE(source_field(c, Lattice(c.lattice)).has_value());
}

TEST_CASE("the random source is h_sigma times the normals of its own key and stream", "[source]") {
    Config c = config(2, HSource::random);
    const Lattice lat(c.lattice);
    const Field dh = *source_field(c, lat);
    std::vector<double> z(static_cast<std::size_t>(lat.volume()));
    for (int a = 0; a < 2; ++a) {
        fill_gaussian({77, 0}, Stream::source, 0, a, 0, lat.volume(), z.data());
        for (std::int64_t x = 0; x < lat.volume(); ++x)
            REQUIRE(dh.component(a)[x] == 0.3 * z[static_cast<std::size_t>(x)]);
    }
    // Quenched: run.seed (the dynamics' key) does not change it, action.h_seed does.
    c.run.seed = 999;
    CHECK(source_field(c, lat)->bitwise_equal(dh));
    c.action.h_seed = 78;
    CHECK_FALSE(source_field(c, lat)->bitwise_equal(dh));
}

TEST_CASE("the random source has mean 0 and standard deviation h_sigma within errors", "[source]") {
    Config c = config(1, HSource::random);
    c.lattice.dims = {400, 500};
    c.action.h_sigma = 0.25;
    const Lattice lat(c.lattice);
    const Field dh = *source_field(c, lat);
    double s1 = 0.0, s2 = 0.0;
    for (std::int64_t x = 0; x < lat.volume(); ++x) {
        s1 += dh.component(0)[x];
        s2 += dh.component(0)[x] * dh.component(0)[x];
    }
    const double n = static_cast<double>(lat.volume());
    const double mean = s1 / n, var = s2 / n - mean * mean;
    CHECK(std::abs(mean) < 5.0 * 0.25 / std::sqrt(n));
    CHECK(std::abs(var - 0.0625) < 5.0 * 0.0625 * std::sqrt(2.0 / n));
}

TEST_CASE("a source file is read in the lattice's shape or with a component axis", "[source]") {
    const TempDir dir("ssbsim_source");
    Config c = config(2, HSource::file);
    const Lattice lat(c.lattice);
    const std::string path = dir.file("data.h5");
    std::vector<double> per_site(static_cast<std::size_t>(lat.volume()));
    std::vector<double> per_component(static_cast<std::size_t>(2 * lat.volume()));
    for (std::size_t i = 0; i < per_site.size(); ++i)
        per_site[i] = 0.01 * static_cast<double>(i);
    for (std::size_t i = 0; i < per_component.size(); ++i)
        per_component[i] = -0.5 * static_cast<double>(i);
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        root.write_dataset("scalar", per_site.data(), {12, 10});
        root.write_dataset("vector", per_component.data(), {12, 10, 2});
        root.write_dataset("wrong", per_site.data(), {10, 12});
    }
    c.action.h_file = path;
    c.action.h_dataset = "scalar"; // one value per site: the first component, the rest zero
    const Field s = *source_field(c, lat, read_source_field(c, lat));
    for (std::int64_t x = 0; x < lat.volume(); ++x) {
        REQUIRE(s.component(0)[x] == per_site[static_cast<std::size_t>(x)]);
        REQUIRE(s.component(1)[x] == 0.0);
    }
    c.action.h_dataset = "vector"; // [site][component]
    const Field v = *source_field(c, lat, read_source_field(c, lat));
    for (std::int64_t x = 0; x < lat.volume(); ++x)
        for (int a = 0; a < 2; ++a)
            REQUIRE(v.component(a)[x] == per_component[static_cast<std::size_t>(2 * x + a)]);

    // Unusable files are bad input (exit status 2) naming the key to fix.
    auto input_error = [&] {
        try {
            source_field(c, lat, read_source_field(c, lat));
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no InputError");
    };
    c.action.h_dataset = "wrong";
    CHECK_THAT(input_error(), Contains("must have the lattice's shape"));
    c.action.h_dataset = "absent";
    CHECK_THAT(input_error(), Contains("action.h_dataset"));
    c.action.h_file = dir.file("missing.h5");
    CHECK_THAT(input_error(), Contains("action.h_file"));
}
