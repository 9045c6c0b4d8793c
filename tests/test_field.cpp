// The field's storage contract (field.hpp): zero-initialised, component planes on 64-byte
// boundaries, the site-major I/O layout (a view of the storage for N = 1, a copy otherwise) and
// its inverse, copies and bitwise comparison, and max |φ| with its NaN/inf rule.
#include "ssbsim/physics/field.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace ssbsim;

namespace {

void fill_pattern(Field& phi) {
    for (int a = 0; a < phi.components(); ++a)
        for (std::int64_t x = 0; x < phi.volume(); ++x)
            phi.component(a)[x] = 1000.0 * a + 0.5 * static_cast<double>(x) - 7.0;
}

} // namespace

TEST_CASE("a new field is zero, with every component plane on a 64-byte boundary", "[field]") {
    const Lattice lat({3, 7, 5}, {Boundary::periodic, Boundary::open, Boundary::periodic});
    const Field phi(lat, 3);
    REQUIRE(phi.components() == 3);
    REQUIRE(phi.volume() == 105);
    for (int a = 0; a < 3; ++a) {
        INFO("component " << a);
        CHECK(reinterpret_cast<std::uintptr_t>(phi.component(a)) % 64 == 0);
        for (std::int64_t x = 0; x < phi.volume(); ++x)
            REQUIRE(phi.component(a)[x] == 0.0);
    }
    // The planes do not overlap: writing one leaves the others zero.
    Field psi(lat, 3);
    for (std::int64_t x = 0; x < psi.volume(); ++x)
        psi.component(1)[x] = 1.0;
    for (std::int64_t x = 0; x < psi.volume(); ++x) {
        REQUIRE(psi.component(0)[x] == 0.0);
        REQUIRE(psi.component(2)[x] == 0.0);
    }
}

TEST_CASE("site-major layout: [site][component], a view for N = 1, and its inverse", "[field]") {
    const Lattice lat({4, 6}, {Boundary::periodic, Boundary::periodic});
    for (int n : {1, 3}) {
        INFO("N = " << n);
        Field phi(lat, n);
        fill_pattern(phi);
        std::vector<double> buffer;
        const std::span<const double> v = phi.site_major(buffer);
        REQUIRE(v.size() == static_cast<std::size_t>(phi.volume() * n));
        for (std::int64_t x = 0; x < phi.volume(); ++x)
            for (int a = 0; a < n; ++a)
                REQUIRE(v[static_cast<std::size_t>(x * n + a)] == phi.component(a)[x]);
        if (n == 1) {
            CHECK(v.data() == phi.component(0)); // no copy: saving never doubles the memory
            CHECK(buffer.empty());
        }
        Field back(lat, n);
        back.assign_site_major(std::vector<double>(v.begin(), v.end()));
        CHECK(back.bitwise_equal(phi));
    }
}

TEST_CASE("copy_from copies every bit and bitwise_equal tells every bit apart", "[field]") {
    const Lattice lat({5, 9}, {Boundary::open, Boundary::periodic});
    Field phi(lat, 2), psi(lat, 2);
    fill_pattern(phi);
    phi.component(1)[3] = std::numeric_limits<double>::quiet_NaN();
    CHECK_FALSE(psi.bitwise_equal(phi));
    psi.copy_from(phi);
    CHECK(psi.bitwise_equal(phi)); // NaN included: bits, not values
    psi.component(0)[44] = std::nextafter(psi.component(0)[44], 1e300);
    CHECK_FALSE(psi.bitwise_equal(phi));
    Field zero(lat, 2), minus_zero(lat, 2);
    minus_zero.component(0)[0] = -0.0;
    CHECK_FALSE(zero.bitwise_equal(minus_zero));
}

TEST_CASE("max_abs is the largest |phi| and infinite for any NaN or inf", "[field]") {
    const Lattice lat({8, 8}, {Boundary::periodic, Boundary::periodic});
    Field phi(lat, 2);
    CHECK(phi.max_abs() == 0.0);
    phi.component(1)[17] = -3.5;
    phi.component(0)[63] = 2.0;
    CHECK(phi.max_abs() == 3.5);
    phi.component(0)[5] = std::numeric_limits<double>::quiet_NaN();
    CHECK(std::isinf(phi.max_abs()));
    phi.component(0)[5] = -std::numeric_limits<double>::infinity();
    CHECK(std::isinf(phi.max_abs()));
}
