// Scans as batch work, through the program: points in the deck's order (first [scan] key
// slowest) with file names, README and example decks agreeing; a complete point is never run
// again (--resume, --all); an output killed before its first checkpoint restarts under --resume;
// --all goes on past a failed point and ends with a table and the worst status.
#include "cli.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::vector<std::string> labels(const std::vector<ScanPoint>& points) {
    std::vector<std::string> out;
    for (const ScanPoint& p : points)
        out.push_back(p.label);
    return out;
}

std::int64_t root_int(const std::string& file, const std::string& attr) {
    return h5::File::open_read(file).root().read_attr_int64(attr);
}

// Every dataset of /observables, bit for bit.
void require_same_observables(const std::string& a, const std::string& b) {
    const h5::File fa = h5::File::open_read(a), fb = h5::File::open_read(b);
    for (const std::string& name : fa.root().open_group("observables").children()) {
        INFO(name);
        const std::vector<double> u = fa.root().open_dataset("observables/" + name).read_double();
        const std::vector<double> v = fb.root().open_dataset("observables/" + name).read_double();
        REQUIRE(u.size() == v.size());
        REQUIRE(std::memcmp(u.data(), v.data(), u.size() * sizeof(double)) == 0);
    }
}

const std::string small = "[action]\nlambda = 1\nm2 = -1\n[lattice]\ndims = 8 8\n"
                          "[dynamics]\nsteps = 60\n[checkpoint]\nkeep = false\n";

} // namespace

TEST_CASE("scan points follow the deck: its first [scan] key varies slowest", "[scan]") {
    const std::string dims_first =
        "[action]\nlambda = 1\n[scan]\nlattice.dims = 8 8, 16 16\naction.m2 = -1.4, -1.3\n";
    REQUIRE(labels(scan_points(dims_first, {}, "b.ini")) ==
            std::vector<std::string>{"dims=8x8_m2=-1.4", "dims=8x8_m2=-1.3", "dims=16x16_m2=-1.4",
                                     "dims=16x16_m2=-1.3"});
    const std::string m2_first =
        "[action]\nlambda = 1\n[scan]\naction.m2 = -1.4, -1.3\nlattice.dims = 8 8, 16 16\n";
    REQUIRE(labels(scan_points(m2_first, {}, "b.ini")) ==
            std::vector<std::string>{"m2=-1.4_dims=8x8", "m2=-1.4_dims=16x16", "m2=-1.3_dims=8x8",
                                     "m2=-1.3_dims=16x16"});
    // --set may replace a scanned list (it keeps its place) or add one (it varies fastest).
    REQUIRE(
        labels(scan_points(dims_first, {"scan.lattice.dims=4 4", "scan.run.seed=1,2"}, "b.ini")) ==
        std::vector<std::string>{"dims=4x4_m2=-1.4_seed=1", "dims=4x4_m2=-1.4_seed=2",
                                 "dims=4x4_m2=-1.3_seed=1", "dims=4x4_m2=-1.3_seed=2"});
}

TEST_CASE("list-points, file names, README and the example deck's comments agree", "[scan]") {
    Scratch s("scan-order");
    const std::string deck = deck_path("binder_scan_2d.ini");
    const Result list = run_ssbsim(s, "run '" + deck + "' --list-points");
    REQUIRE(list.status == 0);
    const std::vector<std::string> points = lines(list.out);
    REQUIRE(points.size() == 15);
    REQUIRE(points[0] == "0\tbinder_scan_2d_dims=8x8_m2=-1.35.h5\tdims=8x8_m2=-1.35");
    REQUIRE(points[6].starts_with("6\tbinder_scan_2d_dims=16x16_m2=-1.31.h5\t"));
    REQUIRE(points[14].starts_with("14\tbinder_scan_2d_dims=32x32_m2=-1.19.h5\t"));
    // The deck's comment names the pattern, the README an example file of this deck.
    REQUIRE(slurp(deck).find("binder_scan_2d_dims=<L>x<L>_m2=<m2>.h5") != std::string::npos);
    const std::string readme = slurp(std::string(SSBSIM_SOURCE_DIR) + "/README.md");
    REQUIRE(readme.find("binder_scan_2d_dims=16x16_m2=-1.27.h5") != std::string::npos);
    REQUIRE(list.out.find("binder_scan_2d_dims=16x16_m2=-1.27.h5") != std::string::npos);
}

TEST_CASE("a complete point is never run again: --resume and --all leave it alone", "[scan]") {
    Scratch s("scan-complete");
    s.write("scan.ini", small + "[scan]\nrun.seed = 1, 2\n");
    REQUIRE(run_ssbsim(s, "run scan.ini --point 0").status == 0);
    const std::string point0 = s.path("scan_seed=1.h5");
    REQUIRE(root_int(point0, "exit_status") == 0);
    REQUIRE(root_int(point0, "final_step") == 60);
    const std::string bytes = slurp(point0);

    const Result again = run_ssbsim(s, "run scan.ini --point 0 --resume");
    REQUIRE(again.status == 0);
    REQUIRE(again.err.find("is complete (step 60") != std::string::npos);
    REQUIRE(again.err.find("nothing to do") != std::string::npos);
    REQUIRE(slurp(point0) == bytes);

    // The requeue case: everything again with --resume --overwrite runs only what is missing.
    const Result all = run_ssbsim(s, "run scan.ini --all --resume --overwrite");
    REQUIRE(all.status == 0);
    REQUIRE(slurp(point0) == bytes);
    REQUIRE(all.out.find("0      scan_seed=1.h5  0 complete: skipped") != std::string::npos);
    REQUIRE(all.out.find("1      scan_seed=2.h5  0 ok") != std::string::npos);
    REQUIRE(root_int(s.path("scan_seed=2.h5"), "exit_status") == 0);
    // --all alone skips complete points too; a longer run is not complete.
    REQUIRE(run_ssbsim(s, "run scan.ini --all").out.find("1      scan_seed=2.h5  0 complete") !=
            std::string::npos);
    const Result longer = run_ssbsim(s, "run scan.ini --point 0 --resume --set dynamics.steps=90");
    REQUIRE(longer.status == 2); // checkpoint.keep = false: nothing to continue from
    REQUIRE(longer.err.find("--overwrite") != std::string::npos);
    REQUIRE(slurp(point0) == bytes);
}

TEST_CASE("an output killed before its first checkpoint is restarted by --resume", "[scan]") {
    Scratch s("scan-killed");
    s.write("run.ini", small + "[run]\noutput = k.h5\n");
    const pid_t pid =
        spawn_ssbsim(s, "run run.ini --set dynamics.steps=100000000 --set checkpoint.every=0");
    for (int i = 0; i < 200 && !std::filesystem::exists(s.path("k.h5")); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(pid, SIGKILL);
    REQUIRE(wait_for(pid) == 128 + SIGKILL);
    REQUIRE(std::filesystem::exists(s.path("k.h5")));
    REQUIRE_FALSE(std::filesystem::exists(s.path("k.ckpt.h5")));
    REQUIRE(root_int(s.path("k.h5"), "exit_status") == -1); // running, or killed
    REQUIRE(root_int(s.path("k.h5"), "final_step") == 0);

    const Result r = run_ssbsim(s, "run run.ini --resume");
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("starting it again from step 0") != std::string::npos);
    REQUIRE(root_int(s.path("k.h5"), "exit_status") == 0);
    REQUIRE(run_ssbsim(s, "run run.ini -o ref.h5").status == 0);
    require_same_observables(s.path("k.h5"), s.path("ref.h5"));

    // Not an output of this run: kept unless --overwrite.
    REQUIRE(run_ssbsim(s, "run run.ini --set action.lambda=0.5 -o other.h5").status == 0);
    const std::string other = slurp(s.path("other.h5"));
    const Result refused = run_ssbsim(s, "run run.ini -o other.h5 --resume");
    REQUIRE(refused.status == 2);
    REQUIRE(refused.err.find("exists") != std::string::npos);
    REQUIRE(slurp(s.path("other.h5")) == other);
    s.write("foreign.h5", "not an ssbsim output");
    REQUIRE(run_ssbsim(s, "run run.ini -o foreign.h5 --resume").status == 2);
    REQUIRE(slurp(s.path("foreign.h5")) == "not an ssbsim output");
}

TEST_CASE("run --all runs every point past failures, prints a table, exits with the worst status",
          "[scan]") {
    Scratch s("scan-failures");
    // Point 1 diverges (step beyond the stability bound), point 2's output is a foreign file.
    s.write(
        "scan.ini",
        small +
            "[field]\ninit = hot\n[dynamics]\nmethod = flow\n[scan]\ndynamics.step = 0.02, 2.5, "
            "0.03\n");
    s.write("scan_step=0.03.h5", "precious");
    const Result r = run_ssbsim(s, "run scan.ini --all");
    INFO(r.out << r.err);
    REQUIRE(r.status == 3);
    REQUIRE(r.err.find("ssbsim: diverged:") != std::string::npos);
    REQUIRE(r.err.find("ssbsim: error: run.output") != std::string::npos);
    const std::vector<std::string> table = lines(r.out.substr(r.out.find("scan: 3 points")));
    REQUIRE(table.size() == 5);
    REQUIRE(table[1] == "point  output             status");
    REQUIRE(table[2] == "0      scan_step=0.02.h5  0 ok");
    REQUIRE(table[3] == "1      scan_step=2.5.h5   3 diverged");
    REQUIRE(table[4] == "2      scan_step=0.03.h5  2 bad input");
    REQUIRE(root_int(s.path("scan_step=0.02.h5"), "exit_status") == 0);
    REQUIRE(root_int(s.path("scan_step=2.5.h5"), "exit_status") == 3);
    REQUIRE(slurp(s.path("scan_step=0.03.h5")) == "precious");
}
