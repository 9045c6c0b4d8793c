// Replica metrics: exact values on hand-made fields, and through the dynamics: replicas that
// share their noise key stay identical bit for bit (q = 1, d = 0 exactly); independent noise
// separates them.
#include "ssbsim/measure/replicas.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <omp.h>
#include <utility>

using namespace ssbsim;
using namespace ssbsim::test;

TEST_CASE("overlap and distance of hand-made fields", "[replicas]") {
    const Lattice lat({4, 6}, {Boundary::periodic});
    std::vector<Field> phi;
    for (int r = 0; r < 3; ++r)
        phi.emplace_back(lat, 2);
    for (std::int64_t x = 0; x < lat.volume(); ++x) {
        phi[0].component(0)[x] = 1.0;  // (1, 0)
        phi[1].component(0)[x] = -1.0; // (-1, 0): the other vacuum
        phi[2].component(1)[x] = 2.0;  // (0, 2): orthogonal
    }
    // Pairs: q = -1, 0, 0; d = 4, 5, 5.
    const ReplicaMetrics m = replica_metrics(lat, phi);
    REQUIRE(m.overlap == Approx(-1.0 / 3.0));
    REQUIRE(m.distance == Approx(14.0 / 3.0));
    phi.erase(phi.begin() + 1, phi.end());
    REQUIRE(replica_metrics(lat, phi).overlap == 1.0);
}

TEST_CASE("replicas sharing their noise key stay identical bit for bit", "[replicas][bitwise]") {
    Config c = free_config({24, 20}, -1.0, Method::langevin, 0.05);
    c.action.lambda = 1.0;
    c.run.replicas = 3;
    c.run.replica_noise = ReplicaNoise::shared;
    const Lattice lat(c.lattice);
    Simulation shared(c, initial_fields(c, lat));
    for (int i = 0; i < 100; ++i)
        shared.advance();
    const ReplicaMetrics same = replica_metrics(lat, shared.state().phi);
    REQUIRE(same.overlap == 1.0);
    REQUIRE(same.distance == 0.0);
    REQUIRE(shared.state().phi[1].bitwise_equal(shared.state().phi[0]));

    c.run.replica_noise = ReplicaNoise::independent;
    Simulation independent(c, initial_fields(c, lat));
    for (int i = 0; i < 100; ++i)
        independent.advance();
    const ReplicaMetrics apart = replica_metrics(lat, independent.state().phi);
    REQUIRE(apart.distance > 0.1);
    REQUIRE(apart.overlap < 0.99);
    // Replica 0 is the single-replica run: adding replicas does not change it.
    c.run.replicas = 1;
    Simulation single(c, initial_fields(c, lat));
    for (int i = 0; i < 100; ++i)
        single.advance();
    REQUIRE(single.state().phi[0].bitwise_equal(independent.state().phi[0]));
}

TEST_CASE("replicas of a small lattice run side by side with the bits of one thread",
          "[replicas][bitwise]") {
    // 24 x 20 sites x 40 replicas: each replica is too small for the threads, all of them are
    // not, so the replicas are spread over the threads (for_each_task).
    for (const Method method : {Method::langevin2, Method::flow_adaptive, Method::momentum}) {
        INFO("method " << static_cast<int>(method));
        Config c = free_config({24, 20}, -1.0, method, 0.05);
        c.action.lambda = 1.0;
        c.run.replicas = 40;
        // flow_adaptive keeps one step for all replicas: only identical ones (see the deck).
        c.run.replica_init =
            method == Method::flow_adaptive ? ReplicaInit::same : ReplicaInit::independent;
        const Lattice lat(c.lattice);
        auto run = [&](int threads) {
            const ThreadCount scope(threads);
            Simulation sim(c, initial_fields(c, lat));
            for (int i = 0; i < 30; ++i)
                sim.advance();
            const Measurement m = sim.measure_all();
            return std::make_pair(std::move(sim), m);
        };
        const auto [one, m1] = run(1);
        const auto [two, m2] = run(2);
        REQUIRE(one.state().time == two.state().time);
        for (std::size_t r = 0; r < one.state().phi.size(); ++r) {
            REQUIRE(one.state().phi[r].bitwise_equal(two.state().phi[r]));
            REQUIRE(std::memcmp(m1.records[r].data(), m2.records[r].data(),
                                m1.records[r].size() * sizeof(double)) == 0);
        }
    }
}
