// Training schedules: a parameter (temperature, step size, m², h) as a function of the step.
// Pure values: parsed once from the deck, evaluated per step; the step number is the only
// state, so a restarted run sees exactly the same values. Syntax: README, "Schedules".
// Tested by tests/test_schedule.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ssbsim {

enum class ScheduleKind { constant, linear, exponential, cosine, piecewise };

struct Schedule {
    ScheduleKind kind = ScheduleKind::constant;
    // constant: values = {v}. linear/exponential/cosine: values = {v0, v1}, ramp over steps
    // [start, end], v0 before start, v1 after end. piecewise: values[k] holds from
    // breaks[k-1] (inclusive) to breaks[k] (exclusive); breaks.size() == values.size() - 1.
    std::vector<double> values;
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::vector<std::int64_t> breaks;
    std::int64_t warmup = 0; // > 0: values scaled by (step+1)/warmup for step < warmup

    // Value at the beginning of step `step` (0-based).
    double at(std::int64_t step) const;
    // The same schedule times a constant (e.g. the temperature a learning-rate schedule implies).
    Schedule scaled(double factor) const;
    // Canonical text that parse_schedule() maps back to the same schedule (resolved deck).
    std::string text() const;
};

// Parses the schedule syntax; the ramp defaults to [0, total_steps]. Throws InputError with a
// message that says what is wrong (the caller prefixes the deck key).
Schedule parse_schedule(std::string_view text, std::int64_t total_steps);

} // namespace ssbsim
