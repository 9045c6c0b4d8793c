// Tests for include/ssbsim/io/hdf5.hpp: round trips of every attribute and dataset kind, the
// error contract (IoError naming the path, nothing on stderr) and readability by h5py.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "tempdir.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hdf5.h>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef SSBSIM_PYTHON
#define SSBSIM_PYTHON "/usr/bin/python3"
#endif

namespace fs = std::filesystem;
using namespace ssbsim;
using Catch::Matchers::Contains;
using ssbsim::test::TempDir;

namespace {

// Redirects file descriptor 2 into a file so tests can assert HDF5 printed nothing.
class StderrCapture {
  public:
    explicit StderrCapture(std::string file) : file_(std::move(file)) {
        std::fflush(stderr);
        saved_ = ::dup(2);
        std::FILE* f = std::fopen(file_.c_str(), "w");
        ::dup2(::fileno(f), 2);
        std::fclose(f);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        std::ifstream in(file_);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::string file_;
    int saved_ = -1;
};

std::vector<double> iota_double(std::size_t n, double start = 0.0) {
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), start);
    return v;
}

std::vector<std::int64_t> iota_int64(std::size_t n, std::int64_t start = 0) {
    std::vector<std::int64_t> v(n);
    std::iota(v.begin(), v.end(), start);
    return v;
}

// Exercises every attribute type on `obj`, then checks them (also used after reopening).
void write_all_attributes(h5::Object& obj) {
    obj.write_attr("s", std::string("hello \xcf\x86^4"));
    obj.write_attr("empty_s", std::string());
    obj.write_attr("d", 0.125);
    obj.write_attr("i", std::int64_t{-9'000'000'000});
    obj.write_attr("int_literal", 42);
    obj.write_attr("unsigned", 7u);
    obj.write_attr("vd", std::vector<double>{1.5, -2.5, 1e300});
    obj.write_attr("vi", std::vector<std::int64_t>{3, -4, 5});
    obj.write_attr("vs", std::vector<std::string>{"a", "", "long string with spaces"});
    obj.write_attr("vd_empty", std::vector<double>{});
    obj.write_attr("vs_empty", std::vector<std::string>{});
    obj.write_attr("big", std::string(200'000, 'x')); // above the 64 KiB compact limit
}

void check_all_attributes(const h5::Object& obj) {
    CHECK(obj.read_attr_string("s") == "hello \xcf\x86^4");
    CHECK(obj.read_attr_string("empty_s").empty());
    CHECK(obj.read_attr_double("d") == 0.125);
    CHECK(obj.read_attr_int64("i") == -9'000'000'000);
    CHECK(obj.read_attr_int64("int_literal") == 42);
    CHECK(obj.read_attr_int64("unsigned") == 7);
    CHECK(obj.read_attr_double("i") == -9e9); // integers convert to double
    CHECK(obj.read_attr_doubles("vd") == std::vector<double>{1.5, -2.5, 1e300});
    CHECK(obj.read_attr_int64s("vi") == std::vector<std::int64_t>{3, -4, 5});
    CHECK(obj.read_attr_strings("vs") ==
          std::vector<std::string>{"a", "", "long string with spaces"});
    CHECK(obj.read_attr_doubles("vd_empty").empty());
    CHECK(obj.read_attr_strings("vs_empty").empty());
    CHECK(obj.read_attr_strings("s") == std::vector<std::string>{"hello \xcf\x86^4"});
    CHECK(obj.read_attr_doubles("d") == std::vector<double>{0.125});
    CHECK(obj.read_attr_string("big") == std::string(200'000, 'x'));
    CHECK(obj.has_attr("s"));
    CHECK_FALSE(obj.has_attr("nope"));
}

} // namespace

TEST_CASE("hdf5: attributes of every type round-trip on groups and datasets", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("attrs.h5");
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        write_all_attributes(root);
        check_all_attributes(root);
        auto ds = root.create_extendible("data", h5::Dtype::f64, {2}, 4, 0);
        write_all_attributes(ds);
        check_all_attributes(ds);
    }
    auto file = h5::File::open_read(path);
    check_all_attributes(file.root());
    check_all_attributes(file.root().open_dataset("data"));
}

TEST_CASE("hdf5: overwriting an attribute may change its type and shape", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    auto file = h5::File::create(dir.file("a.h5"), false);
    auto root = file.root();
    root.write_attr("x", 1.0);
    root.write_attr("x", 2.0);
    CHECK(root.read_attr_double("x") == 2.0);
    root.write_attr("x", std::string("now a string"));
    CHECK(root.read_attr_string("x") == "now a string");
    root.write_attr("x", std::vector<std::int64_t>{1, 2, 3, 4});
    CHECK(root.read_attr_int64s("x") == std::vector<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("hdf5: attribute misuse gives IoError naming file and object and attribute", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("a.h5");
    auto file = h5::File::create(path, false);
    auto group = file.root().create_group("run");
    group.write_attr("dt", 0.5);
    group.write_attr("v", std::vector<double>{1, 2});
    group.write_attr("s", std::string("x"));

    StderrCapture err(dir.file("stderr.txt"));
    CHECK_THROWS_WITH(group.read_attr_double("missing"),
                      Contains(path) && Contains("/run") && Contains("'missing'"));
    CHECK_THROWS_AS(group.read_attr_int64("dt"), IoError); // no silent truncation
    CHECK_THROWS_WITH(group.read_attr_double("v"), Contains("2 values"));
    CHECK_THROWS_AS(group.read_attr_string("dt"), IoError);
    CHECK_THROWS_AS(group.read_attr_double("s"), IoError);
    CHECK_THROWS_AS(group.write_attr("u", std::uint64_t{1} << 63), IoError);
    CHECK(err.text().empty());
}

TEST_CASE("hdf5: groups with nested paths and exists and children", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    auto file = h5::File::create(dir.file("g.h5"), false);
    auto root = file.root();
    CHECK(root.name() == "/");
    auto ab = root.create_group("a/b"); // intermediate "a" is created
    CHECK(ab.name() == "/a/b");
    root.create_group("c");
    const double x = 1.0;
    ab.write_dataset("ds", &x, {});

    CHECK(root.exists("a"));
    CHECK(root.exists("a/b"));
    CHECK(root.exists("/a/b/ds"));
    CHECK(root.exists("/"));
    CHECK_FALSE(root.exists(""));
    CHECK_FALSE(root.exists("zz"));
    CHECK_FALSE(root.exists("zz/yy/xx"));
    CHECK_FALSE(root.exists("a/zz/b"));
    CHECK_FALSE(root.exists("a/b/ds/x")); // through a dataset
    CHECK(root.open_group("a").exists("b/ds"));

    CHECK(root.children() == std::vector<std::string>{"a", "c"});
    CHECK(ab.children() == std::vector<std::string>{"ds"});
    CHECK(root.open_group("c").children().empty());
    CHECK(root.open_group("a").open_group("b").name() == "/a/b");

    StderrCapture err(dir.file("stderr.txt"));
    CHECK_THROWS_WITH(root.open_group("zz"), Contains(file.path()) && Contains("/zz"));
    CHECK_THROWS_WITH(root.open_dataset("a/b/none"), Contains("/a/b/none"));
    CHECK_THROWS_AS(root.create_group("c"), IoError); // already exists
    CHECK(err.text().empty());
}

TEST_CASE("hdf5: extendible datasets grow by appended batches", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("ext.h5");
    const std::vector<std::uint64_t> row_shape{3, 2};
    const std::size_t row = 6;
    const std::vector<std::uint64_t> batches{1, 5, 0, 7};
    std::vector<double> all_d;
    std::vector<std::int64_t> all_i;
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        auto d = root.create_extendible("f/phi", h5::Dtype::f64, row_shape, 4, 6);
        auto i = root.create_extendible("f/step", h5::Dtype::i64, {}, 16, 0);
        CHECK(d.shape() == std::vector<std::uint64_t>{0, 3, 2});
        CHECK(d.dtype() == h5::Dtype::f64);
        CHECK(i.dtype() == h5::Dtype::i64);
        for (auto n : batches) {
            const auto rows_d = iota_double(n * row, static_cast<double>(all_d.size()) + 0.5);
            const auto rows_i = iota_int64(n, static_cast<std::int64_t>(all_i.size()));
            d.append(rows_d.data(), n);
            i.append(rows_i.data(), n);
            all_d.insert(all_d.end(), rows_d.begin(), rows_d.end());
            all_i.insert(all_i.end(), rows_i.begin(), rows_i.end());
            file.flush();
        }
        CHECK(d.shape() == std::vector<std::uint64_t>{13, 3, 2});
        CHECK(d.read_double() == all_d);
    }
    auto file = h5::File::open_read(path);
    auto d = file.root().open_dataset("f/phi");
    auto i = file.root().open_group("f").open_dataset("step");
    CHECK(d.name() == "/f/phi");
    CHECK(d.shape() == std::vector<std::uint64_t>{13, 3, 2});
    CHECK(i.shape() == std::vector<std::uint64_t>{13});
    CHECK(d.read_double() == all_d);
    CHECK(i.read_int64() == all_i);
    CHECK(i.read_double() == iota_double(13)); // integers convert
    CHECK(i.read_rows_int64(12, 1) == std::vector<std::int64_t>{12});

    const auto slab = d.read_rows_double(2, 3);
    CHECK(slab == std::vector<double>(all_d.begin() + 2 * row, all_d.begin() + 5 * row));
    CHECK(d.read_rows_double(13, 0).empty());

    StderrCapture err(dir.file("stderr.txt"));
    CHECK_THROWS_WITH(d.read_rows_double(12, 2), Contains("has 13") && Contains("/f/phi"));
    CHECK_THROWS_AS(d.read_int64(), IoError); // floating-point data
    const double row_data[row] = {};
    CHECK_THROWS_WITH(d.append(row_data, 1), Contains(path) && Contains("/f/phi"));
    CHECK(err.text().empty());
    CHECK(d.shape() == std::vector<std::uint64_t>{13, 3, 2}); // failed append left no trace
}

TEST_CASE("hdf5: views of a table always have the table's rows, in their own type and shape",
          "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("table.h5");
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        auto table = root.create_table("records/t", {8}, 0); // step | x | y[2, 3]
        auto g = root.create_group("t");
        g.create_view("step", h5::Dtype::i64, {}, table, 0);
        g.create_view("x", h5::Dtype::f64, {}, table, 1);
        g.create_view("y", h5::Dtype::f64, {2, 3}, table, 2);
        CHECK_THROWS_AS(g.create_view("z", h5::Dtype::f64, {2, 2}, table, 5), IoError);
        const auto rows = iota_double(3 * 8);
        table.append(rows.data(), 3);
        CHECK(table.extend_rows(2) == 3); // extended, never filled: NaN
        const double block[3] = {40.0, 41.0, 42.0};
        table.write_part(3, 0, block, 3);
        file.flush();
    }
    auto file = h5::File::open_read(path);
    auto root = file.root();
    const auto step = root.open_dataset("t/step");
    CHECK(step.dtype() == h5::Dtype::i64);
    CHECK(step.shape() == std::vector<std::uint64_t>{5});
    const auto steps = step.read_int64();
    CHECK(std::vector<std::int64_t>(steps.begin(), steps.begin() + 4) ==
          std::vector<std::int64_t>{0, 8, 16, 40});
    CHECK(steps[4] == std::numeric_limits<std::int64_t>::min()); // NaN as an integer
    CHECK(root.open_dataset("t/x").read_rows_double(0, 4) ==
          std::vector<double>{1.0, 9.0, 17.0, 41.0});
    const auto y = root.open_dataset("t/y");
    CHECK(y.shape() == std::vector<std::uint64_t>{5, 2, 3});
    CHECK(y.read_rows_double(1, 1) == iota_double(6, 10.0));
    CHECK(std::isnan(y.read_rows_double(3, 1)[1])); // unwritten part of a row
    const auto column = root.open_dataset("records/t").read_element(0);
    CHECK(column.size() == 5);
    CHECK(std::isnan(column[4]));
}

TEST_CASE("hdf5: a field below a header slab is one block of its table", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("field.h5");
    const std::vector<double> field = iota_double(3 * 4 * 2, 100.0);
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        auto table = root.create_table("records/c", {1 + 3, 4, 2}, 3); // slab 0: step, time
        auto g = root.create_group("c");
        g.create_view("step", h5::Dtype::i64, {}, table, 0);
        g.create_view("time", h5::Dtype::f64, {}, table, 1);
        g.create_view("field", h5::Dtype::f64, {3, 4, 2}, table, 8);
        CHECK_THROWS_AS(g.create_view("bad", h5::Dtype::f64, {4}, table, 6), IoError);
        CHECK_THROWS_AS(g.create_view("out", h5::Dtype::f64, {}, table, 32), IoError);
        for (std::uint64_t row = 0; row < 2; ++row) {
            CHECK(table.extend_rows(1) == row);
            const double head[2] = {10.0 * static_cast<double>(row), 0.5};
            table.write_part(row, 0, head, 2);
            table.write_part(row, 8, field.data(), field.size());
        }
        file.flush();
    }
    auto file = h5::File::open_read(path);
    auto root = file.root();
    CHECK(root.open_dataset("c/step").read_int64() == std::vector<std::int64_t>{0, 10});
    CHECK(root.open_dataset("c/time").read_double() == std::vector<double>{0.5, 0.5});
    const auto f = root.open_dataset("c/field");
    CHECK(f.shape() == std::vector<std::uint64_t>{2, 3, 4, 2});
    CHECK(f.read_rows_double(1, 1) == field);
    CHECK(root.open_dataset("records/c").read_element(1) == std::vector<double>{0.5, 0.5});
}

TEST_CASE("hdf5: reopened read-write files keep appending", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("rw.h5");
    const auto first = iota_double(4);
    const auto second = iota_double(6, 4.0);
    {
        auto file = h5::File::create(path, false);
        file.root().create_extendible("x", h5::Dtype::f64, {2}, 8, 1).append(first.data(), 2);
    }
    {
        auto file = h5::File::open_rw(path);
        file.root().open_dataset("x").append(second.data(), 3);
        file.close();
        file.close(); // idempotent
    }
    CHECK(h5::File::open_read(path).root().open_dataset("x").read_double() == iota_double(10));
}

TEST_CASE("hdf5: fixed datasets of every rank with and without gzip", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("fixed.h5");
    const auto big = iota_double(300 * 1000); // several chunks when compressed
    const auto ints = iota_int64(24, -12);
    const double scalar = 3.25;
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        root.write_dataset("big_gz", big.data(), {300, 1000}, 9);
        root.write_dataset("big", big.data(), {300, 1000});
        root.write_dataset("ints", ints.data(), {2, 3, 4}, 3);
        root.write_dataset("scalar", &scalar, {}, 5);
        root.write_dataset("empty", static_cast<const double*>(nullptr), {0, 4}, 5);
    }
    auto root = h5::File::open_read(path).root();
    CHECK(root.open_dataset("big_gz").read_double() == big);
    CHECK(root.open_dataset("big").read_double() == big);
    CHECK(root.open_dataset("big_gz").shape() == std::vector<std::uint64_t>{300, 1000});
    CHECK(root.open_dataset("ints").read_int64() == ints);
    CHECK(root.open_dataset("ints").read_rows_int64(1, 1) == iota_int64(12, 0));
    CHECK(root.open_dataset("ints").dtype() == h5::Dtype::i64);
    CHECK(root.open_dataset("scalar").shape().empty());
    CHECK(root.open_dataset("scalar").read_double() == std::vector<double>{3.25});
    CHECK(root.open_dataset("empty").shape() == std::vector<std::uint64_t>{0, 4});
    CHECK(root.open_dataset("empty").read_double().empty());
    CHECK_THROWS_AS(root.open_dataset("scalar").read_rows_double(0, 1), IoError);
}

TEST_CASE("hdf5: blocks of a fixed dataset are written and read where they belong", "[hdf5]") {
    // What each rank does with its slab of a checkpoint: [replica, x, y, component] blocks.
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("blocks.h5");
    const auto all = iota_double(2 * 5 * 3 * 2);
    {
        auto file = h5::File::create(path, false, Communicator::serial());
        auto root = file.root();
        h5::Dataset d = root.create_dataset("f", h5::Dtype::f64, {2, 5, 3, 2}, 0, true);
        for (std::uint64_t r = 0; r < 2; ++r)
            for (const auto& [first, count] :
                 {std::pair<std::uint64_t, std::uint64_t>{0, 2}, {2, 3}})
                d.write_block({r, first, 0, 0}, {1, count, 3, 2},
                              all.data() + (r * 5 + first) * 3 * 2);
        CHECK_THROWS_AS(d.write_block({0, 4, 0, 0}, {1, 2, 3, 2}, all.data()), IoError);
        CHECK_THROWS_AS(d.write_block({0, 0, 0}, {1, 2, 3}, all.data()), IoError);
    }
    const auto root = h5::File::open_read(path).root();
    const h5::Dataset d = root.open_dataset("f");
    CHECK(d.read_double() == all);
    CHECK(d.read_block({1, 3, 0, 0}, {1, 2, 3, 2}) ==
          std::vector<double>(all.begin() + (5 + 3) * 6, all.begin() + (5 + 5) * 6));
    CHECK(d.read_block({0, 1, 2, 1}, {1, 1, 1, 1}) == std::vector<double>{all[1 * 6 + 2 * 2 + 1]});
    CHECK_THROWS_AS(d.read_block({0, 5, 0, 0}, {1, 1, 3, 2}), IoError);
}

TEST_CASE("hdf5: dimension labels are a string-array attribute", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    auto file = h5::File::create(dir.file("l.h5"), false);
    auto d = file.root().create_extendible("phi", h5::Dtype::f64, {4, 4, 2}, 1, 0);
    d.set_dimension_labels({"save", "x", "y", "component"});
    CHECK(d.dimension_labels() == std::vector<std::string>{"save", "x", "y", "component"});
    CHECK(d.read_attr_strings("dimension_labels").size() == 4);
    CHECK_THROWS_AS(d.set_dimension_labels({"too", "few"}), std::invalid_argument);
}

TEST_CASE("hdf5: create refuses an existing file unless overwrite and then truncates", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("exists.h5");
    h5::File::create(path, false).root().write_attr("old", 1.0);

    {
        StderrCapture err(dir.file("stderr.txt"));
        CHECK_THROWS_WITH(h5::File::create(path, false),
                          Contains(path) && Contains("overwrite is off"));
        CHECK_THROWS_AS(h5::File::create(path, false), IoError);
        CHECK(err.text().empty());
    }
    CHECK(h5::File::open_read(path).root().has_attr("old")); // untouched

    auto file = h5::File::create(path, true);
    CHECK(file.path() == path);
    CHECK_FALSE(file.root().has_attr("old"));
    CHECK(file.root().children().empty());
}

TEST_CASE("hdf5: opening missing or non-HDF5 files gives IoError with the path", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string missing = dir.file("missing.h5");
    const std::string text = dir.file("notes.txt");
    std::ofstream(text) << "not an HDF5 file\n";

    StderrCapture err(dir.file("stderr.txt"));
    CHECK_THROWS_WITH(h5::File::open_read(missing), Contains(missing) && Contains("no such file"));
    CHECK_THROWS_WITH(h5::File::open_rw(missing), Contains(missing));
    CHECK_THROWS_WITH(h5::File::open_read(text), Contains(text) && Contains("not an HDF5 file"));
    CHECK_THROWS_AS(h5::File::open_rw(text), IoError);
    CHECK_THROWS_WITH(h5::File::create(dir.file("no/such/dir/x.h5"), true),
                      Contains("no/such/dir/x.h5"));
    CHECK(err.text().empty());
}

TEST_CASE("hdf5: is_hdf5 distinguishes HDF5 files from everything else", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string h5file = dir.file("x.h5");
    const std::string text = dir.file("x.txt");
    h5::File::create(h5file, false);
    std::ofstream(text) << "plain text\n";

    StderrCapture err(dir.file("stderr.txt"));
    CHECK(h5::is_hdf5(h5file));
    CHECK_FALSE(h5::is_hdf5(text));
    CHECK_FALSE(h5::is_hdf5(dir.file("missing.h5")));
    CHECK_FALSE(h5::is_hdf5(dir.path.string())); // a directory
    CHECK(err.text().empty());
}

TEST_CASE("hdf5: errors stay off stderr on other threads too", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string missing = dir.file("missing.h5");
    StderrCapture err(dir.file("stderr.txt"));
    bool threw = false;
    std::thread([&] {
        try {
            h5::File::open_read(missing);
        } catch (const IoError&) {
            threw = true;
        }
    }).join();
    CHECK(threw);
    CHECK(err.text().empty());
}

TEST_CASE("hdf5: handles are move-only and close exactly once", "[hdf5]") {
    static_assert(!std::is_copy_constructible_v<h5::Handle>);
    static_assert(!std::is_copy_constructible_v<h5::File>);
    static_assert(!std::is_copy_constructible_v<h5::Group>);
    static_assert(std::is_nothrow_move_constructible_v<h5::Handle>);
    const TempDir dir("ssbsim_h5");
    auto a = h5::File::create(dir.file("m.h5"), false);
    auto b = std::move(a);
    auto g = b.root().create_group("g");
    auto g2 = std::move(g);
    g2.write_attr("k", 1.0);
    g = std::move(g2);
    CHECK(g.read_attr_double("k") == 1.0);
    CHECK(b.id() >= 0);
}

namespace {

// Files, groups, datasets and attributes still open anywhere in the process. (Dataspaces and
// property lists have no public counter; H5Inmembers refuses library types.)
ssize_t open_file_objects() {
    return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
}

} // namespace

TEST_CASE("hdf5: no file object outlives its wrapper on success or failure paths", "[hdf5]") {
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("ids.h5");
    REQUIRE(open_file_objects() == 0);
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        write_all_attributes(root);
        check_all_attributes(root);
        auto d = root.create_extendible("g/d", h5::Dtype::f64, {2}, 3, 1);
        const auto rows = iota_double(10);
        d.append(rows.data(), 5);
        CHECK(d.read_rows_double(1, 2).size() == 4);
        CHECK(root.exists("g/d"));
        CHECK_FALSE(root.exists("g/d/x"));
        CHECK(root.children().size() == 1);
        CHECK_THROWS(root.read_attr_int64("d"));
        CHECK_THROWS(root.read_attr_string("missing"));
        CHECK_THROWS(d.read_rows_double(4, 2));
        CHECK_THROWS(h5::File::create(path, false));
        CHECK_THROWS(h5::File::open_read(dir.file("missing.h5")));
    }
    {
        auto file = h5::File::open_read(path);
        auto d = file.root().open_dataset("g/d");
        CHECK_THROWS(d.append(iota_double(2).data(), 1));
        CHECK(d.read_double() == iota_double(10));
        file.close();
    }
    CHECK(open_file_objects() == 0);
}

TEST_CASE("hdf5: files are readable by h5py including string attributes", "[hdf5]") {
    // A missing h5py is a broken test environment, not a pass: scripts/install-deps.sh installs
    // python3-h5py, which the analysis scripts need as well.
    INFO(SSBSIM_PYTHON " cannot import h5py and numpy: install python3-h5py and python3-numpy "
                       "(scripts/install-deps.sh) to check that the files are readable by h5py");
    REQUIRE(std::system(SSBSIM_PYTHON " -c 'import h5py, numpy' >/dev/null 2>&1") == 0);
    const TempDir dir("ssbsim_h5");
    const std::string path = dir.file("py.h5");
    {
        auto file = h5::File::create(path, false);
        auto root = file.root();
        root.write_attr("title", std::string("\xcf\x86^4 run"));
        root.write_attr("tags", std::vector<std::string>{"alpha", "beta"});
        root.write_attr("dt", 0.01);
        root.write_attr("seed", std::int64_t{12345});
        root.write_attr("dims", std::vector<std::int64_t>{8, 8});
        auto phi = root.create_extendible("fields/phi", h5::Dtype::f64, {2, 2}, 2, 4);
        const auto values = iota_double(12);
        phi.append(values.data(), 1);
        phi.append(values.data() + 4, 2);
        phi.set_dimension_labels({"save", "x", "component"});
        const auto steps = iota_int64(5, 100);
        root.write_dataset("steps", steps.data(), {5}, 0);
    }
    const std::string script = dir.file("check.py");
    std::ofstream(script) << R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
a = f.attrs
assert isinstance(a["title"], str) and a["title"] == "\u03c6^4 run", repr(a["title"])
assert [str(t) for t in a["tags"]] == ["alpha", "beta"], repr(a["tags"])
assert a["dt"] == 0.01 and a["seed"] == 12345
assert list(a["dims"]) == [8, 8]
phi = f["fields/phi"]
assert phi.shape == (3, 2, 2) and phi.maxshape == (None, 2, 2) and phi.dtype == np.float64
assert phi.compression == "gzip" and phi.shuffle and phi.chunks == (2, 2, 2)
assert np.array_equal(phi[...].ravel(), np.arange(12.0))
assert [str(t) for t in phi.attrs["dimension_labels"]] == ["save", "x", "component"]
assert list(f["steps"][...]) == [100, 101, 102, 103, 104] and f["steps"].dtype == np.int64
)";
    const std::string cmd = std::string(SSBSIM_PYTHON) + " " + script + " " + path;
    CHECK(std::system(cmd.c_str()) == 0);
}
