// The shared number and list syntax (include/ssbsim/core/text.hpp).
#include "ssbsim/core/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace ssbsim {

std::optional<double> parse_real(std::string_view text) {
    // from_chars takes no '+'; a deck may write one, but not "+-1".
    if (text.starts_with('+') && text.size() > 1 && text[1] != '-') text.remove_prefix(1);
    double v = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
    if (text.starts_with('+') && text.size() > 1 && text[1] != '-') text.remove_prefix(1);
    std::int64_t v = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return v;
}

std::string format_real(double value) {
    std::array<char, 32> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return std::string(buffer.data(), result.ptr);
}

std::optional<std::vector<std::string_view>> split_list(std::string_view text) {
    std::vector<std::string_view> entries;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const std::size_t comma = std::min(text.find(',', begin), text.size());
        const std::size_t before = entries.size();
        std::string_view rest = text.substr(begin, comma - begin);
        while (!rest.empty()) {
            const std::size_t start = rest.find_first_not_of(" \t");
            if (start == std::string_view::npos) break;
            rest.remove_prefix(start);
            const std::size_t stop = std::min(rest.find_first_of(" \t"), rest.size());
            entries.push_back(rest.substr(0, stop));
            rest.remove_prefix(stop);
        }
        if (entries.size() == before) return std::nullopt;
        begin = comma + 1;
    }
    return entries;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

} // namespace ssbsim
