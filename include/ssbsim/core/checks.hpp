// The first number of an array that is NaN, infinite or beyond a bound, and its index in the
// array's shape: numbers read from files (initial fields, sources, checkpoints) are refused as
// bad input naming where they went wrong, not met later as a "divergence at step 0".
// Tested by tests/test_paths.cpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ssbsim {

inline std::optional<std::size_t> first_bad_value(std::span<const double> values, double bound) {
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!(std::abs(values[i]) <= bound)) return i; // NaN compares false
    return std::nullopt;
}

// The C-order index of element `flat` of an array of `shape`, e.g. "[3, 0, 1]".
inline std::string index_text(std::size_t flat, const std::vector<std::uint64_t>& shape) {
    std::vector<std::uint64_t> index(shape.size());
    for (std::size_t k = shape.size(); k-- > 0;) {
        index[k] = shape[k] ? flat % shape[k] : 0;
        flat = shape[k] ? flat / shape[k] : flat;
    }
    std::string s = "[";
    for (std::size_t k = 0; k < index.size(); ++k)
        s += (k ? ", " : "") + std::to_string(index[k]);
    return s + "]";
}

// "value nan at index [3, 0, 1]"; `values` starts at element `first` of the array of `shape`.
inline std::string bad_value_text(std::span<const double> values, std::size_t i,
                                  const std::vector<std::uint64_t>& shape, std::size_t first = 0) {
    const double v = values[i];
    char number[32];
    std::snprintf(number, sizeof number, "%g", v);
    return std::string("value ") + number + " at index " + index_text(first + i, shape);
}

} // namespace ssbsim
