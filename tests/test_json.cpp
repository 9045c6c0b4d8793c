// Tests of include/ssbsim/io/json.hpp: null for numbers that do not exist, exact round trip of
// finite doubles, escaped control characters, keys in the order they are set.
#include "ssbsim/io/json.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <sstream>

using namespace ssbsim;

namespace {
std::string printed(const Json& j) {
    std::ostringstream out;
    print_json(out, j);
    return out.str();
}
} // namespace

TEST_CASE("NaN and infinities are written as null, finite numbers exactly", "[json]") {
    Json j;
    j["nan"] = json_number(std::numeric_limits<double>::quiet_NaN());
    j["inf"] = json_number(-std::numeric_limits<double>::infinity());
    j["x"] = json_number(0.1 + 0.2);
    const std::string text = printed(j);
    REQUIRE(text.find("\"nan\": null") != std::string::npos);
    REQUIRE(text.find("\"inf\": null") != std::string::npos);
    const Json back = Json::parse(text);
    REQUIRE(back["nan"].is_null());
    REQUIRE(back["x"].get<double>() == 0.1 + 0.2);
    REQUIRE(text.back() == '\n');
}

TEST_CASE("strings keep control characters, escaped; keys keep their order", "[json]") {
    Json j;
    j["z"] = std::string("tab\there \x01 \"quoted\" back\\slash");
    j["a"] = "second";
    const std::string text = printed(j);
    REQUIRE(text.find("\\t") != std::string::npos);
    REQUIRE(text.find("\\u0001") != std::string::npos);
    REQUIRE(text.find("\"z\"") < text.find("\"a\""));
    REQUIRE(Json::parse(text)["z"] == std::string("tab\there \x01 \"quoted\" back\\slash"));
    // Invalid UTF-8 does not stop the output.
    REQUIRE_NOTHROW(printed(Json(std::string("\xff"))));
}
