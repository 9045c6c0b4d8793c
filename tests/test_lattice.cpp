// Lattice geometry: numbering, row neighbours across periodic and open boundaries, link counts.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <catch2/catch.hpp>

using namespace ssbsim;

TEST_CASE("sites and coordinates are inverse, last axis fastest", "[lattice]") {
    const Lattice lat({3, 4, 5}, {Boundary::periodic});
    REQUIRE(lat.volume() == 60);
    REQUIRE(lat.rows() == 12);
    REQUIRE(lat.row_length() == 5);
    for (std::int64_t s = 0; s < lat.volume(); ++s)
        REQUIRE(lat.site(lat.coordinates(s)) == s);
    REQUIRE(lat.site({1, 2, 3, 0}) == 1 * 20 + 2 * 5 + 3);
}

TEST_CASE("row neighbours wrap on periodic axes and stay put across open ones", "[lattice]") {
    const Lattice lat({3, 4, 5}, {Boundary::open, Boundary::periodic, Boundary::periodic});
    // row index = x0 * 4 + x1
    REQUIRE(lat.row_neighbour(0 * 4 + 3, 1, +1) == 0 * 4 + 0); // periodic wrap on axis 1
    REQUIRE(lat.row_neighbour(0 * 4 + 0, 1, -1) == 0 * 4 + 3);
    REQUIRE(lat.row_neighbour(2 * 4 + 1, 0, +1) == 2 * 4 + 1); // open end: itself
    REQUIRE(lat.row_neighbour(0 * 4 + 1, 0, -1) == 0 * 4 + 1);
    REQUIRE(lat.row_neighbour(1 * 4 + 1, 0, +1) == 2 * 4 + 1);
    REQUIRE(lat.row_neighbour(1 * 4 + 1, 0, -1) == 0 * 4 + 1);
}

TEST_CASE("link counts honour open boundaries", "[lattice]") {
    const Lattice lat({3, 4}, {Boundary::open, Boundary::periodic});
    REQUIRE(lat.links(0) == 2 * 4);
    REQUIRE(lat.links(1) == 3 * 4);
}

TEST_CASE("bad geometry is an input error naming lattice keys", "[lattice]") {
    REQUIRE_THROWS_WITH(Lattice({}, {Boundary::periodic}), Catch::Contains("lattice.dims"));
    REQUIRE_THROWS_WITH(Lattice({2, 2, 2, 2, 2}, {Boundary::periodic}),
                        Catch::Contains("allowed 1 to 4"));
    REQUIRE_THROWS_WITH(Lattice({4, 1}, {Boundary::periodic}), Catch::Contains("minimum 2"));
    REQUIRE_THROWS_WITH(Lattice({4, 4}, {Boundary::open, Boundary::open, Boundary::open}),
                        Catch::Contains("lattice.boundary"));
}
