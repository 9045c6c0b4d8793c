// The number and list syntax every text layer shares (deck values, schedule strings, recorded
// decks compared by the analysis): exact round trips between doubles and their shortest text.
// A bottom-level header: it depends on nothing of ssbsim. Tested by tests/test_deck.cpp
// ("the deck's number syntax").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssbsim {

std::optional<double> parse_real(std::string_view text);          // finite, optional sign
std::optional<std::int64_t> parse_integer(std::string_view text); // optional sign
std::string format_real(double value); // shortest text that parse_real maps back exactly
// Entries separated by whitespace and/or commas; nothing for a malformed list (an empty entry:
// ",,", a trailing comma).
std::optional<std::vector<std::string_view>> split_list(std::string_view text);
// A dataset shape for messages: "[12, 10, 2]".
std::string shape_text(const std::vector<std::uint64_t>& shape);

} // namespace ssbsim
