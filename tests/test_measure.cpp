// `ssbsim measure`: a file re-measured gives the observables of the run that wrote it, bit for
// bit, at every saved step (/observables, /layers, and /replicas when every replica's field is
// saved); its output reads like a run's; bad input is a message and status 2.
#include "cli.hpp"
#include "ssbsim/app/measure.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/output.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <sstream>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

// Rows of `a` at the steps of `b` (every step of b must be one of a's).
std::vector<std::size_t> matching_rows(const h5::Group& a, const h5::Group& b,
                                       const std::string& group) {
    const std::vector<std::int64_t> sa = a.open_dataset(group + "/step").read_int64();
    const std::vector<std::int64_t> sb = b.open_dataset(group + "/step").read_int64();
    std::vector<std::size_t> rows;
    for (const std::int64_t s : sb) {
        const auto it = std::find(sa.begin(), sa.end(), s);
        REQUIRE(it != sa.end());
        rows.push_back(static_cast<std::size_t>(it - sa.begin()));
    }
    return rows;
}

bool same_bits(double x, double y) {
    return std::memcmp(&x, &y, sizeof x) == 0;
}

// Every dataset of `group` in `measured` has the bits of the original's rows at the same steps.
// Returns the number of datasets compared.
int require_same(const std::string& original, const std::string& measured,
                 const std::string& group) {
    const h5::File fa = h5::File::open_read(original), fb = h5::File::open_read(measured);
    const h5::Group a = fa.root(), b = fb.root();
    const std::vector<std::size_t> rows = matching_rows(a, b, group);
    REQUIRE(rows.size() >= 2);
    int compared = 0;
    for (const std::string& name : b.open_group(group).children()) {
        INFO(group << "/" << name);
        const h5::Dataset da = a.open_dataset(group + "/" + name);
        const h5::Dataset db = b.open_dataset(group + "/" + name);
        const std::vector<std::uint64_t> sa = da.shape(), sb = db.shape();
        REQUIRE(sa.size() == sb.size());
        REQUIRE(std::equal(sa.begin() + 1, sa.end(), sb.begin() + 1));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const std::vector<double> x = da.read_rows_double(rows[i], 1);
            const std::vector<double> y = db.read_rows_double(i, 1);
            REQUIRE(x.size() == y.size());
            for (std::size_t k = 0; k < x.size(); ++k)
                if (!same_bits(x[k], y[k]))
                    FAIL("row " << i << " element " << k << ": " << x[k] << " != " << y[k]);
        }
        ++compared;
    }
    return compared;
}

void run_ok(const Scratch& s, const std::string& args) {
    const Result r = run_ssbsim(s, args);
    INFO(args << "\n" << r.err);
    REQUIRE(r.status == 0);
}

} // namespace

TEST_CASE("measure: a run re-measured gives its observables and layers bit for bit", "[measure]") {
    Scratch s("measure-run");
    // A network with noise and a temperature schedule (SGD with a decaying learning rate), an
    // O(2) lattice with a field and correlators, and the adaptive flow (its step size is state).
    const std::string network = deck_path("nn_anneal.ini") +
                                " --set dynamics.steps=1200 --set measure.every=10"
                                " --set 'training.lr_schedule=warmup 50 cosine 0.05 0.01 [50:1200]'"
                                " --set measure.save_every=10 -o net.h5";
    run_ok(s, "run " + network);
    run_ok(s, "measure net.h5");
    CHECK(require_same(s.path("net.h5"), s.path("net_measured.h5"), "observables") >= 20);
    CHECK(require_same(s.path("net.h5"), s.path("net_measured.h5"), "layers") == 5);
    CHECK(require_same(s.path("net.h5"), s.path("net_measured.h5"), "configurations") == 3);

    run_ok(s, "run " + deck_path("free_field.ini") +
                  " --set field.components=2 --set action.h=0.1,0 --set action.lambda=0.5"
                  " --set dynamics.steps=60 --set measure.every=20 --set measure.save_every=20"
                  " -o o2.h5");
    run_ok(s, "measure o2.h5 -o o2m.h5");
    CHECK(require_same(s.path("o2.h5"), s.path("o2m.h5"), "observables") >= 20);

    s.write("adaptive.ini", "[lattice]\ndims = 16 16\n[field]\ninit = hot\n[action]\nm2 = "
                            "-1\nlambda = 1\n[dynamics]\nmethod = flow_adaptive\nstep = 0.1\n"
                            "steps = 40\n[measure]\nevery = 10\nsave_every = 10\n");
    run_ok(s, "run adaptive.ini");
    run_ok(s, "measure adaptive.h5 -o adaptive_m.h5");
    CHECK(require_same(s.path("adaptive.h5"), s.path("adaptive_m.h5"), "observables") >= 20);

    // The measured file is an output like any other: info and analyze read it.
    run_ok(s, "info net_measured.h5");
    run_ok(s, "analyze net_measured.h5 --skip 0");
}

TEST_CASE("measure: /replicas from every replica's saved field, bit for bit", "[measure]") {
    Scratch s("measure-replicas");
    Config c = load_deck(
        deck_path("nn_symmetric_init.ini"),
        {"dynamics.method=langevin", "dynamics.steps=40", "run.output=" + s.path("all.h5")});
    REQUIRE(c.run.replicas == 4);
    const Lattice lattice(c.lattice);
    Simulation sim(c, initial_fields(c, lattice));
    std::vector<Measurement> original;
    {
        OutputWriter out(c, lattice, c.run.replicas);
        for (int k = 0; k < 4; ++k) {
            for (int i = 0; i < 10; ++i)
                sim.advance();
            original.push_back(sim.measure_all());
            out.record(original.back());
            out.save_configurations(sim.state().step, sim.state().time, sim.state().phi);
        }
        out.flush();
    }
    std::ostringstream log;
    measure_file({s.path("all.h5"), s.path("all_m.h5"), false}, log);
    CHECK(log.str().find("4 replicas") != std::string::npos);
    const h5::File f = h5::File::open_read(s.path("all_m.h5"));
    const h5::Group root = f.root();
    REQUIRE(root.read_attr_int64("replicas") == 4);
    const std::vector<double> q = root.open_dataset("replicas/overlap").read_double();
    const std::vector<double> d = root.open_dataset("replicas/distance").read_double();
    REQUIRE(q.size() == original.size());
    for (std::size_t i = 0; i < original.size(); ++i) {
        CHECK(same_bits(q[i], original[i].replicas.overlap));
        CHECK(same_bits(d[i], original[i].replicas.distance));
        CHECK(d[i] > 0.0); // the replicas' noise differs
    }
    CHECK(require_same(s.path("all.h5"), s.path("all_m.h5"), "replicas") >= 20);
    CHECK(require_same(s.path("all.h5"), s.path("all_m.h5"), "configurations") == 4);
    // `field` is replica 0 of `replica_field`.
    const std::vector<double> all =
        root.open_dataset("configurations/replica_field").read_rows_double(3, 1);
    const std::vector<double> zero =
        root.open_dataset("configurations/field").read_rows_double(3, 1);
    REQUIRE(std::equal(zero.begin(), zero.end(), all.begin()));
    REQUIRE(!std::equal(zero.begin(), zero.end(),
                        all.begin() + static_cast<std::ptrdiff_t>(zero.size())));
}

TEST_CASE("measure: bad input is a message and status 2", "[measure]") {
    Scratch s("measure-bad");
    Result r = run_ssbsim(s, "measure missing.h5");
    CHECK(r.status == 2);
    CHECK(r.err.find("missing.h5") != std::string::npos);
    s.write("text.h5", "not hdf5");
    CHECK(run_ssbsim(s, "measure text.h5").status == 2);
    {
        h5::File f = h5::File::create(s.path("bare.h5"), false);
        f.root().write_attr("description", std::string("no deck"));
    }
    r = run_ssbsim(s, "measure bare.h5");
    CHECK(r.status == 2);
    CHECK(r.err.find("deck") != std::string::npos);
    run_ok(s, "run " + deck_path("free_field.ini") + " --set dynamics.steps=20 -o f.h5");
    run_ok(s, "measure f.h5");
    r = run_ssbsim(s, "measure f.h5"); // the output exists
    CHECK(r.status == 2);
    CHECK(r.err.find("--overwrite") != std::string::npos);
    run_ok(s, "measure f.h5 --overwrite");
    CHECK(run_ssbsim(s, "measure f.h5 -o f.h5 --overwrite").status == 2);
}
