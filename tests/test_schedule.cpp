// Tests of include/ssbsim/physics/schedule.hpp: values of every kind at the start, inside, at the
// end and outside its range; canonical text round trips; every malformed form is an InputError.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/physics/schedule.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <string>

using ssbsim::parse_schedule;
using ssbsim::Schedule;
using ssbsim::ScheduleKind;

namespace {

void require_same(const Schedule& a, const Schedule& b) {
    REQUIRE(a.kind == b.kind);
    REQUIRE(a.values == b.values);
    REQUIRE(a.breaks == b.breaks);
    if (a.kind != ScheduleKind::constant && a.kind != ScheduleKind::piecewise) {
        REQUIRE(a.start == b.start);
        REQUIRE(a.end == b.end);
    }
}

} // namespace

TEST_CASE("constant schedules hold one value at every step", "[schedule]") {
    for (const char* text : {"2.5", "constant 2.5", "  constant\t2.5  ", "+2.5", "25e-1"}) {
        INFO(text);
        const Schedule s = parse_schedule(text, 100);
        REQUIRE(s.kind == ScheduleKind::constant);
        REQUIRE(s.at(0) == 2.5);
        REQUIRE(s.at(50) == 2.5);
        REQUIRE(s.at(1'000'000'000) == 2.5);
        REQUIRE(s.text() == "constant 2.5");
    }
    REQUIRE(parse_schedule("-0.125", 10).at(3) == -0.125);
}

TEST_CASE("linear ramps hold V0 before START and V1 from END on", "[schedule]") {
    const Schedule s = parse_schedule("linear 1 3 [10:20]", 1000);
    REQUIRE(s.kind == ScheduleKind::linear);
    REQUIRE(s.start == 10);
    REQUIRE(s.end == 20);
    REQUIRE(s.at(-5) == 1.0);
    REQUIRE(s.at(0) == 1.0);
    REQUIRE(s.at(10) == 1.0);
    REQUIRE(s.at(11) == Approx(1.2).epsilon(1e-15));
    REQUIRE(s.at(15) == Approx(2.0).epsilon(1e-15));
    REQUIRE(s.at(19) == Approx(2.8).epsilon(1e-15));
    REQUIRE(s.at(20) == 3.0);
    REQUIRE(s.at(5000) == 3.0);
}

TEST_CASE("the ramp range defaults to [0:total_steps]", "[schedule]") {
    const Schedule s = parse_schedule("linear 0 1", 200);
    REQUIRE(s.start == 0);
    REQUIRE(s.end == 200);
    REQUIRE(s.at(50) == Approx(0.25).epsilon(1e-15));
    REQUIRE(s.at(200) == 1.0);
    REQUIRE(s.text() == "linear 0 1 [0:200]");
}

TEST_CASE("exp ramps interpolate geometrically", "[schedule]") {
    const Schedule up = parse_schedule("exp 1 100 [0:2]", 10);
    REQUIRE(up.kind == ScheduleKind::exponential);
    REQUIRE(up.at(0) == 1.0);
    REQUIRE(up.at(1) == Approx(10.0).epsilon(1e-14));
    REQUIRE(up.at(2) == 100.0);
    REQUIRE(up.at(3) == 100.0);

    const Schedule down = parse_schedule("exp -4 -1 [100:104]", 10);
    REQUIRE(down.at(99) == -4.0);
    REQUIRE(down.at(102) == Approx(-2.0).epsilon(1e-14));
    REQUIRE(down.at(104) == -1.0);
}

TEST_CASE("cosine ramps follow V1 + (V0-V1)(1+cos(pi s))/2", "[schedule]") {
    const Schedule s = parse_schedule("cosine 1 0 [0:100]", 10);
    REQUIRE(s.kind == ScheduleKind::cosine);
    REQUIRE(s.at(-1) == 1.0);
    REQUIRE(s.at(0) == 1.0);
    REQUIRE(s.at(25) == Approx((1 + std::cos(std::numbers::pi / 4)) / 2).epsilon(1e-15));
    REQUIRE(s.at(50) == Approx(0.5).epsilon(1e-15));
    REQUIRE(s.at(75) == Approx((1 - std::cos(std::numbers::pi / 4)) / 2).epsilon(1e-14));
    REQUIRE(s.at(100) == 0.0);
    REQUIRE(s.at(101) == 0.0);
    // Slow at both ends, unlike a linear ramp.
    REQUIRE(1.0 - s.at(1) < 0.01 / 10);
}

TEST_CASE("piecewise schedules switch value at each break", "[schedule]") {
    const Schedule s = parse_schedule("piecewise 1 10 2 20 3", 5);
    REQUIRE(s.kind == ScheduleKind::piecewise);
    REQUIRE(s.breaks == std::vector<std::int64_t>{10, 20});
    REQUIRE(s.at(-3) == 1.0);
    REQUIRE(s.at(0) == 1.0);
    REQUIRE(s.at(9) == 1.0);
    REQUIRE(s.at(10) == 2.0);
    REQUIRE(s.at(19) == 2.0);
    REQUIRE(s.at(20) == 3.0);
    REQUIRE(s.at(1'000'000) == 3.0);
    REQUIRE(parse_schedule("piecewise 5 0 6", 5).at(0) == 6.0);
}

TEST_CASE("at() depends on the step only, not on earlier calls", "[schedule]") {
    const Schedule s = parse_schedule("cosine 0.3 0.01 [7:9000]", 10);
    const double forward = s.at(4321);
    for (std::int64_t step = 0; step < 9000; step += 7)
        (void)s.at(step);
    REQUIRE(s.at(4321) == forward);
    REQUIRE(parse_schedule(s.text(), 10).at(4321) == forward);
}

TEST_CASE("range brackets may contain spaces", "[schedule]") {
    require_same(parse_schedule("linear 1 2 [ 3 : 40 ]", 9),
                 parse_schedule("linear 1 2 [3:40]", 9));
    require_same(parse_schedule("linear 1 2 [3 :40]", 9), parse_schedule("linear 1 2 [3:40]", 9));
}

TEST_CASE("text() is canonical and parses back to the same schedule", "[schedule]") {
    const auto [text, canonical] = GENERATE(table<const char*, const char*>({
        {"3", "constant 3"},
        {"constant -1e-300", "constant -1e-300"},
        {"linear 0.1 0.30000000000000004", "linear 0.1 0.30000000000000004 [0:77]"},
        {"exp 1e-3 1e3 [5:6]", "exp 0.001 1000 [5:6]"},
        {"cosine 2 1 [ 0 : 10 ]", "cosine 2 1 [0:10]"},
        {"piecewise 1 100 0.5 200 0.25", "piecewise 1 100 0.5 200 0.25"},
    }));
    INFO(text);
    const Schedule s = parse_schedule(text, 77);
    REQUIRE(s.text() == canonical);
    // Parsed with another total: the explicit range in text() makes it independent of it.
    const Schedule back = parse_schedule(s.text(), 12345);
    require_same(back, s);
    REQUIRE(back.text() == s.text());
}

TEST_CASE("malformed schedules are InputErrors that say what was expected", "[schedule]") {
    const auto [text, fragment] = GENERATE(table<const char*, const char*>({
        {"", "empty schedule"},
        {"   ", "empty schedule"},
        {"constant", "missing V; expected 'constant V'"},
        {"constant 1 2", "unexpected '2'"},
        {"1 2", "unexpected '2'"},
        {"constant x", "V 'x' is not a real number"},
        {"linaer 1 2", "unknown schedule kind 'linaer'"},
        {"linear", "missing V0; expected 'linear V0 V1 [START:END]'"},
        {"linear 1", "missing V1"},
        {"linear a 2", "V0 'a' is not a real number"},
        {"linear nan 2", "V0 'nan' is not a real number"},
        {"cosine 1 inf", "V1 'inf' is not a real number"},
        {"linear 1 2 3", "the range after V1 must be '['"},
        {"linear 1 2 [10 20]", "the separator between START and END must be ':'"},
        {"linear 1 2 [10:20", "missing the end of the range"},
        {"linear 1 2 [10:20 )", "the end of the range must be ']'"},
        {"linear 1 2 [a:20]", "START 'a' is not a step number"},
        {"linear 1 2 [-1:20]", "START '-1' is not a step number"},
        {"linear 1 2 [0:2.5]", "END '2.5' is not a step number"},
        {"linear 1 2 [20:10]", "schedule ends before it starts: [20:10]"},
        {"cosine 1 2 [20:20]", "schedule ends before it starts"},
        {"exp 1 2 [0:10] x", "unexpected 'x' at the end"},
        {"exp 1 -2", "same sign"},
        {"exp 0 2", "non-zero"},
        {"piecewise", "missing V0; expected 'piecewise V0 S1 V1 [S2 V2 ...]'"},
        {"piecewise 1", "missing break S1"},
        {"piecewise 1 10", "missing V1"},
        {"piecewise 1 10 2 20", "missing V2"},
        {"piecewise 1 20 2 10 3", "breaks must increase strictly, but 10 follows 20"},
        {"piecewise 1 10 2 10 3", "10 follows 10"},
        {"piecewise 1 -5 2", "break S1 '-5' is not a step number"},
        {"piecewise 1 x 2", "break S1 'x' is not a step number"},
    }));
    INFO("schedule text: '" << text << "'");
    REQUIRE_THROWS_AS(parse_schedule(text, 100), ssbsim::InputError);
    REQUIRE_THROWS_WITH(parse_schedule(text, 100), Catch::Contains(fragment));
}

TEST_CASE("a default ramp over zero steps ends before it starts", "[schedule]") {
    REQUIRE_THROWS_WITH(parse_schedule("linear 1 2", 0),
                        Catch::Contains("schedule ends before it starts: [0:0]"));
    REQUIRE_NOTHROW(parse_schedule("piecewise 1 5 2", 0));
}
