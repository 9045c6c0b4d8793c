// The ranks of a run (core/comm.hpp) as one process sees them without mpirun: one rank, sums over
// rows with the bits of core/parallel.hpp, and the Deadline that ends a collective that never
// returns. The split itself is tested under mpirun by tests/mpi/.
#include "ssbsim/core/comm.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

using namespace ssbsim;

TEST_CASE("without mpirun the run is one rank and a sum over rows is one process's", "[comm]") {
    const Communicator world = Communicator::world();
    CHECK(world.size() == 1);
    CHECK(world.root());
    CHECK_FALSE(world.split());
    CHECK(world.all_gather(2.5) == std::vector<double>{2.5});
    CHECK(world.max(-1.0) == -1.0);
    CHECK(world.any(true));
    auto row_sums = [](std::int64_t row, double* out) { out[0] += 1.0 / (1.0 + row); };
    CHECK(sum_over_rows(world, RowSlab::whole(100), 4, 1, row_sums) ==
          sum_over_rows(100, 4, 1, row_sums));
}

TEST_CASE("a deadline runs its action only when the work outlasts it", "[comm]") {
    std::atomic<int> fired{0};
    {
        const Deadline d(0.05, [&] { ++fired; });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    CHECK(fired == 1);
    {
        const Deadline d(30.0, [&] { ++fired; });
    } // finished at once: no wait for the 30 s, no action
    CHECK(fired == 1);
}
