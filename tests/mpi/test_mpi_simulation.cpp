// The physics split over MPI ranks (physics/domain.hpp, core/comm.hpp) against one process:
// run under `mpirun -n R` (R = 1, 2, 3; tests/CMakeLists.txt), every rank runs each deck split
// over all ranks and, alone, over the whole lattice, and the records (every observable, every
// replica, the replica metrics) and the gathered fields must agree bit for bit at every step.
// Comparisons use CHECK, never REQUIRE: a rank that left a test early would leave the others
// waiting in a collective.
#define CATCH_CONFIG_RUNNER
#include "ssbsim/core/comm.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/checkpoint.hpp"
#include "ssbsim/io/slabs.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace ssbsim;

namespace {

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

Config deck(const std::string& body, const std::vector<std::string>& overrides = {}) {
    return load_deck_text("[run]\nseed = 7\noutput = unused.h5\n" + body, overrides, "test");
}

// Runs `steps` steps split over every rank and alone; compares every measurement and, on the
// root, the gathered fields (and momenta) with the whole ones.
void check_split_equals_whole(const Config& c, int steps) {
    const Communicator world = Communicator::world();
    const Lattice lattice(c.lattice);
    const Domain split(lattice, world);
    Simulation whole(c, initial_fields(c, lattice));
    Simulation part(c, initial_fields(c, split), std::nullopt, world);
    for (int step = 0; step <= steps; ++step) {
        if (step > 0) {
            whole.advance();
            part.advance();
        }
        const Measurement a = whole.measure_all(), b = part.measure_all();
        INFO("rank " << world.rank() << " of " << world.size() << ", step " << step);
        CHECK(a.time == b.time);
        CHECK(a.replicas.overlap == b.replicas.overlap);
        CHECK(a.replicas.distance == b.replicas.distance);
        REQUIRE(a.records.size() == b.records.size());
        for (std::size_t r = 0; r < a.records.size(); ++r)
            CHECK(same_bits(a.records[r], b.records[r]));
    }
    for (std::size_t r = 0; r < whole.state().phi.size(); ++r) {
        const std::optional<Field> gathered = split.gather(part.state().phi[r]);
        if (world.root()) CHECK(gathered->bitwise_equal(whole.state().phi[r]));
    }
    for (std::size_t r = 0; r < whole.state().momentum.size(); ++r) {
        const std::optional<Field> gathered = split.gather(part.state().momentum[r]);
        if (world.root()) CHECK(gathered->bitwise_equal(whole.state().momentum[r]));
    }
}

const std::string interacting = "[field]\ninit = hot\n[action]\nm2 = -0.8\nlambda = 0.7\n";

} // namespace

TEST_CASE("langevin split over the ranks gives the bits of one process", "[mpi]") {
    // L0 = 64 is not divisible by 3 ranks: slabs of 22, 21, 21 slices.
    check_split_equals_whole(
        deck("[lattice]\ndims = 64 24\n" + interacting +
             "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = 0.8\n"),
        6);
}

TEST_CASE("open boundaries, two components and a 3D lattice split give the bits of one process",
          "[mpi]") {
    check_split_equals_whole(deck("[lattice]\ndims = 7 12\nboundary = open periodic\n[field]\n"
                                  "components = 2\ninit = hot\n[action]\nm2 = -0.5\nlambda = "
                                  "0.6\nh = 0.1 0.0\n[dynamics]\nmethod = langevin\nstep = 0.05\n"
                                  "temperature = 1.0\n"),
                             4);
    check_split_equals_whole(
        deck("[lattice]\ndims = 9 6 40\n" + interacting +
             "[dynamics]\nmethod = langevin\nstep = 0.04\ntemperature = 0.5\n"),
        3);
}

TEST_CASE("every dynamics.method split gives the bits of one process", "[mpi]") {
    // hmc and mala: a Metropolis test on ΔH summed over the ranks (the records hold acceptance).
    for (const char* method :
         {"langevin2", "flow", "flow_rk3", "flow_adaptive", "momentum", "hmc", "mala"}) {
        INFO("method " << method);
        const bool flow = std::string(method).rfind("flow", 0) == 0;
        check_split_equals_whole(deck("[lattice]\ndims = 10 20\n" + interacting +
                                      "[dynamics]\nmethod = " + method + "\nstep = 0.05\n" +
                                      (flow ? "" : "temperature = 0.7\n")),
                                 4);
    }
}

TEST_CASE("Swendsen-Wang cluster updates split give the bits of one process", "[mpi]") {
    // Clusters that cross rank boundaries (and, periodic, the wrap of axis 0) are joined on the
    // root: the same labels, flips and fields as one process. Broken phase, so clusters span
    // the lattice; N = 2 (a random embedding direction), an open axis 0, two replicas.
    for (const std::string& lattice :
         {std::string("dims = 12 10\n"), std::string("dims = 9 8\nboundary = open periodic\n")})
        for (const char* method : {"langevin", "hmc"}) {
            INFO(lattice << method);
            check_split_equals_whole(
                deck("[lattice]\n" + lattice +
                     "[field]\ninit = hot\ncomponents = 2\n[action]\nm2 = -1.5\nlambda = "
                     "0.7\n[run]\nreplicas = 2\nreplica_init = independent\n[dynamics]\n"
                     "method = " +
                     method +
                     "\nstep = 0.05\ntemperature = 0.7\ncluster_every = 1\ncluster_kind = sw\n"),
                5);
        }
}

TEST_CASE("Wolff cluster updates split are refused with a message naming sw", "[mpi]") {
    const Communicator world = Communicator::world();
    const Config c = deck("[lattice]\ndims = 12 10\n" + interacting +
                          "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = 0.7\n"
                          "cluster_every = 1\ncluster_kind = wolff\n");
    const Lattice lattice(c.lattice);
    const Domain split(lattice, world);
    if (world.split())
        CHECK_THROWS_WITH(Simulation(c, initial_fields(c, split), std::nullopt, world),
                          Catch::Contains("cluster_kind = sw"));
    else
        CHECK_NOTHROW(Simulation(c, initial_fields(c, split), std::nullopt, world));
}

TEST_CASE("replicas, a random source and mean-field axes split give the bits of one "
          "process",
          "[mpi]") {
    check_split_equals_whole(deck("[lattice]\ndims = 8 16\n" + interacting +
                                      "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = "
                                      "0.7\n",
                                  {"run.replicas=3", "run.replica_init=independent"}),
                             3);
    check_split_equals_whole(deck("[lattice]\ndims = 8 16\n" + interacting +
                                      "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = "
                                      "0.7\n",
                                  {"action.h_source=random", "action.h_sigma=0.3"}),
                             3);
    check_split_equals_whole(deck("[lattice]\ndims = 6 4 8\n" + interacting +
                                      "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = "
                                      "0.7\n",
                                  {"action.coupling_kind=nearest mean mean"}),
                             3);
    // The mean along the split axis: a reduction across the ranks.
    check_split_equals_whole(deck("[lattice]\ndims = 7 3 8\n[field]\ncomponents = 2\ninit = "
                                  "hot\n[action]\nm2 = -0.8\nlambda = 0.7\ncoupling_kind = mean "
                                  "nearest mean\n[dynamics]\nmethod = langevin2\nstep = 0.05\n"
                                  "temperature = 0.7\n"),
                             3);
}

TEST_CASE("a network deck (per-layer observables, mean-field neuron axis) split gives the bits "
          "of one process",
          "[mpi]") {
    const Communicator world = Communicator::world();
    const Config c = deck("[network]\ndepth = 5\nwidth = 6\nfan_in = 4\nneuron_coupling = 0.5\n"
                          "input_coupling = 0.5\n[field]\ninit = hot\n"
                          "[action]\nm2 = -0.5\nlambda = 0.8\n[dynamics]\nmethod = langevin\n"
                          "step = 0.02\ntemperature = 0.3\n");
    REQUIRE(c.network.enabled);
    check_split_equals_whole(c, 3);
    // [training] shared noise along the mean-field axes and dropout: counters of the whole lattice.
    Config shared = c;
    shared.training.noise = TrainingNoise::shared;
    shared.training.dropout = 0.3;
    check_split_equals_whole(shared, 3);
    const Lattice lattice(c.lattice);
    const Domain split(lattice, world);
    Simulation whole(c, initial_fields(c, lattice));
    Simulation part(c, initial_fields(c, split), std::nullopt, world);
    whole.advance();
    part.advance();
    const Measurement a = whole.measure_all(), b = part.measure_all();
    REQUIRE(a.layers);
    REQUIRE(b.layers);
    CHECK(same_bits(a.layers->magnetization, b.layers->magnetization));
    CHECK(same_bits(a.layers->abs_magnetization, b.layers->abs_magnetization));
    CHECK(same_bits(a.layers->diversity, b.layers->diversity));
    CHECK(same_bits(a.layers->grad_variance, b.layers->grad_variance));
}

TEST_CASE("row groups cut by a rank boundary are summed in the order of one process", "[mpi]") {
    // 1000 rows of 8 sites and k = 5000 sums per group: groups of 16 rows (core/parallel.hpp),
    // so slab boundaries at 334 and 667 rows (3 ranks) or 500 (2) cut groups; the carried sum
    // continues on the next rank. Terms of very different sizes make any other order visible.
    const Communicator world = Communicator::world();
    const Lattice lattice({1000, 8}, {Boundary::periodic});
    const Domain split(lattice, world);
    const std::int64_t k = 5000;
    auto row_sums = [&](std::int64_t global_row, double* out) {
        for (std::int64_t j = 0; j < k; ++j)
            out[j] += std::ldexp(1.0 + 1e-3 * static_cast<double>((global_row * 7919 + j) % 1000),
                                 static_cast<int>((global_row * 31 + j) % 60) - 30);
    };
    const std::vector<double> one = sum_over_rows(lattice.rows(), 8, static_cast<int>(k), row_sums);
    const RowRange own = split.own();
    const std::vector<double> all = sum_over_rows(
        world, split.slab(), 8, static_cast<int>(k),
        [&](std::int64_t row, double* out) { row_sums(row + own.global_row_offset, out); });
    CHECK(same_bits(one, all));
    // A measurement with wide rows: groups of 2 rows, cut at odd slab boundaries.
    check_split_equals_whole(
        deck("[lattice]\ndims = 201 1024\n" + interacting +
             "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = 0.7\n"),
        1);
}

TEST_CASE("a checkpoint written by the ranks together, piece by piece, reads back on any number "
          "of ranks",
          "[mpi]") {
    // Slices of 2^19 sites x 2 components = one piece each (io_piece_values): 5 slices over 2
    // or 3 ranks are 3 + 2 or 2 + 2 + 1 pieces, so a rank makes empty collective writes.
    const Communicator world = Communicator::world();
    const std::string path = "mpi_pieces_" + std::to_string(world.size()) + ".ckpt.h5";
    const Config c = deck("[lattice]\ndims = 5 524288\n[field]\ncomponents = 2\ninit = hot\n"
                          "[dynamics]\nmethod = langevin\nstep = 0.05\ntemperature = 0.5\n"
                          "steps = 10\n",
                          {"run.replicas=2", "run.replica_init=independent"});
    const Lattice lattice(c.lattice);
    const Domain split(lattice, world);
    REQUIRE(values_per_slice(split, 2) == io_piece_values);
    const State state{initial_fields(c, split), 3, 0.15, 0.05, {}, 0.0};
    write_checkpoint(path, split, state, c, OutputMark{2, 0.1, -0.25});
    // Read back split: this rank's own slices, bit for bit.
    const LoadedCheckpoint back = read_checkpoint(path, split, 2, 2);
    CHECK(back.state.step == 3);
    CHECK(back.mark.step == 2);
    std::vector<double> a, b;
    for (int r = 0; r < 2; ++r) {
        const std::span<const double> want = own_site_major(split, state.phi[r], a);
        const std::span<const double> got = own_site_major(split, back.state.phi[r], b);
        CHECK(std::equal(want.begin(), want.end(), got.begin(), got.end(),
                         [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }));
    }
    // Read whole by one process: the fields of one process, so every piece went to its place.
    world.barrier();
    if (world.root()) {
        const LoadedCheckpoint whole = read_checkpoint(path, lattice, 2, 2);
        const std::vector<Field> expected = initial_fields(c, lattice);
        for (int r = 0; r < 2; ++r)
            CHECK(whole.state.phi[r].bitwise_equal(expected[r]));
        remove_checkpoint(path);
    }
    world.barrier();
}

int main(int argc, char** argv) {
    MpiSession mpi(argc, argv);
    return Catch::Session().run(argc, argv);
}
