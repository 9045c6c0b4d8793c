// The one JSON writer (include/ssbsim/io/json.hpp).
#include "ssbsim/io/json.hpp"

#include <cmath>

namespace ssbsim {

Json json_number(double value) {
    if (!std::isfinite(value)) return nullptr;
    return value;
}

void print_json(std::ostream& out, const Json& value) {
    out << value.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

} // namespace ssbsim
