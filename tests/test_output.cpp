// The output file and its row groups (io/output.hpp, io/series.hpp): every observable of the
// table is a dataset /observables/<name> of its shape with the table's description and units,
// holding exactly the measured records; a Series keeps its columns in step, appends, truncates
// and reports only the rows that were completely written (committed_rows).
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/io/series.hpp"
#include "ssbsim/io/slabs.hpp"
#include "ssbsim/measure/observables.hpp"
#include "tempdir.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace ssbsim;
using ssbsim::test::TempDir;

namespace {

constexpr const char* deck = R"([run]
seed = 5
[lattice]
dims = 6 10
boundary = periodic open
[field]
components = 2
init = hot
[action]
m2 = -0.5
lambda = 0.4
[dynamics]
method = langevin
step = 0.02
steps = 30
[measure]
every = 10
)";

} // namespace

TEST_CASE("every observable is a dataset of its shape with the table's description and units, "
          "holding the measured records",
          "[output]") {
    const TempDir dir("ssbsim_output");
    Config c = load_deck_text(deck, {"run.output=" + dir.file("run.h5")}, "test_output.ini");
    const Lattice lat(c.lattice);
    std::vector<Measurement> measured;
    {
        Simulation sim(c, initial_fields(c, lat));
        OutputWriter out(c, lat);
        for (int k = 0; k < 3; ++k) {
            for (int i = 0; i < 10; ++i)
                sim.advance();
            measured.push_back(sim.measure_all());
            out.record(measured.back());
        }
        out.flush();
    }
    const h5::File file = h5::File::open_read(c.run.output);
    const h5::Group root = file.root();
    const RecordLayout layout(lat, 2);
    const std::vector<std::int64_t> steps = root.open_dataset("observables/step").read_int64();
    REQUIRE(steps ==
            std::vector<std::int64_t>{measured[0].step, measured[1].step, measured[2].step});
    for (const ObservableSpec& spec : observable_specs()) {
        INFO("observable " << spec.name);
        const h5::Dataset d = root.open_dataset(std::string("observables/") + spec.name);
        std::vector<std::uint64_t> shape = layout.row_shape(spec);
        shape.insert(shape.begin(), 3);
        CHECK(d.shape() == shape);
        CHECK(d.read_attr_string("description") == spec.description);
        CHECK(d.read_attr_string("units") == spec.units);
        const std::vector<double> values = d.read_double();
        const auto width = static_cast<std::size_t>(layout.width(spec));
        const auto offset = static_cast<std::size_t>(record_offset(spec.name, layout));
        for (std::size_t row = 0; row < 3; ++row)
            for (std::size_t j = 0; j < width; ++j) {
                const double want = measured[row].records[0][offset + j];
                const double got = values[row * width + j];
                REQUIRE((got == want || (std::isnan(got) && std::isnan(want))));
            }
    }
}

TEST_CASE("a field in slabs: pieces of whole slices, the files' layout, back again", "[output]") {
    // Slices 3..12 at 4 values per slice, at most 9 values per piece: pieces of 2 slices.
    const std::vector<Slices> p = pieces({3, 10}, 4, 9);
    REQUIRE(p.size() == 5);
    CHECK((p.front().first == 3 && p.front().count == 2));
    CHECK((p.back().first == 11 && p.back().count == 2));
    CHECK(pieces({0, 5}, 100, 10).size() == 5); // a slice beyond the limit: one per piece
    CHECK(pieces({2, 3}, 4, 1000).size() == 1);

    const Lattice lat({6, 4}, {Boundary::periodic});
    const Domain whole(lat);
    CHECK((own_slices(whole).first == 0 && own_slices(whole).count == 6));
    CHECK(values_per_slice(whole, 3) == 12);
    Field f(lat, 3);
    for (int a = 0; a < 3; ++a)
        for (std::int64_t x = 0; x < lat.volume(); ++x)
            f.component(a)[x] = 100.0 * a + static_cast<double>(x);
    std::vector<double> buffer, expected;
    const std::span<const double> all = f.site_major(expected);
    const std::span<const double> part = own_site_major(whole, f, {2, 3}, buffer);
    CHECK(std::vector<double>(part.begin(), part.end()) ==
          std::vector<double>(all.begin() + 2 * 12, all.begin() + 5 * 12));
    Field g(lat, 3);
    assign_own_site_major(whole, g, all);
    CHECK(g.bitwise_equal(f));
    CHECK_THROWS_AS(own_site_major(whole, f, {5, 2}, buffer), std::logic_error);
}

TEST_CASE("a configuration saved in parts is the configuration saved whole", "[output]") {
    const TempDir dir("ssbsim_output");
    Config c = load_deck_text(deck, {"run.output=" + dir.file("whole.h5")}, "test_output.ini");
    const Lattice lat(c.lattice);
    const Field phi = initial_field(c, lat);
    {
        OutputWriter out(c, lat);
        out.save_configuration(7, 0.5, phi);
    }
    c.run.output = dir.file("parts.h5");
    {
        OutputWriter out(c, lat);
        const std::vector<Slices> parts = pieces({0, 6}, 10 * 2, 50); // 2 slices per part
        std::size_t next = 0;
        out.save_configuration(7, 0.5, parts.size(), [&](std::vector<double>& buffer) {
            return own_site_major(Domain(lat), phi, parts[next++], buffer);
        });
        CHECK(next == 3);
        CHECK_THROWS_AS(
            out.save_configuration(8, 0.6, 1,
                                   [&](std::vector<double>& buffer) {
                                       return own_site_major(Domain(lat), phi, {0, 2}, buffer);
                                   }),
            std::logic_error); // parts that do not fill the field
    }
    const auto a = h5::File::open_read(dir.file("whole.h5")).root();
    const auto b = h5::File::open_read(dir.file("parts.h5")).root();
    CHECK(a.open_dataset("configurations/field").read_double() ==
          b.open_dataset("configurations/field").read_double());
    CHECK(b.open_dataset("configurations/step").read_int64() == std::vector<std::int64_t>{7});
    CHECK(b.open_dataset("configurations/time").read_double() == std::vector<double>{0.5});
}

TEST_CASE("a series appends rows in step, truncates, and counts only committed rows", "[output]") {
    CHECK(committed_rows({}) == 0);
    CHECK(committed_rows({0, 10, 20}) == 3);
    CHECK(committed_rows({0, 10, 10}) == 2); // not strictly increasing
    CHECK(committed_rows({0, 10, std::numeric_limits<std::int64_t>::min(), 30}) == 2);
    CHECK(committed_rows({-1}) == 0);

    const TempDir dir("ssbsim_output");
    const std::string path = dir.file("series.h5");
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        Series s(root, "g", "a test group",
                 {{"a", {}, "1", "scalar column"}, {"b", {3}, "1", "vector column"}});
        for (std::int64_t step = 0; step < 5; ++step) {
            const double x = static_cast<double>(step);
            const std::vector<double> row = {x, 10 * x, 10 * x + 1, 10 * x + 2};
            s.append(step * 2, row);
        }
        CHECK(s.pending() == 5);
        s.write_pending();
        CHECK(s.pending() == 0);
        CHECK(s.steps() == std::vector<std::int64_t>{0, 2, 4, 6, 8});
        s.truncate(3);
        CHECK(s.steps() == std::vector<std::int64_t>{0, 2, 4});
    }
    const auto file = h5::File::open_read(path);
    const auto root = file.root();
    CHECK(root.open_dataset("g/a").read_double() == std::vector<double>{0, 1, 2});
    CHECK(root.open_dataset("g/b").read_double() ==
          std::vector<double>{0, 1, 2, 10, 11, 12, 20, 21, 22});
    CHECK(root.open_dataset("g/b").shape() == std::vector<std::uint64_t>{3, 3});
    CHECK(root.open_dataset("g/a").read_attr_string("description") == "scalar column");
}
