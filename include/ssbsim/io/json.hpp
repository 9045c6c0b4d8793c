// The one JSON writer, over nlohmann-json: `ssbsim analyze --json` and `ssbsim bench --json`
// build a Json value and print it with print_json. JSON has no NaN or infinity: a number that
// does not exist is written as null (json_number). Strings are escaped by the library (control
// characters as \u00XX, invalid UTF-8 replaced by U+FFFD). Keys keep the order they are set in.
// Tested by tests/test_json.cpp and, through the program, tests/test_analyze.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

namespace ssbsim {

using Json = nlohmann::ordered_json;

// The number, or null when it is NaN or infinite.
Json json_number(double value);

// Two-space indented, with a final newline.
void print_json(std::ostream& out, const Json& value);

} // namespace ssbsim
