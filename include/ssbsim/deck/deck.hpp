// The input deck: INI text (+ `--set section.key=value` overrides) -> validated Config.
// One table of key specifications drives the Boost.Program_options parser, the validation, the
// messages, `ssbsim keys`, docs/keys.md and the resolved deck. Tested by tests/test_deck.cpp.
//
// Layers, each usable on its own:
//   read_deck_values  INI syntax only: section.key -> text, with where each value came from;
//                     unknown keys/sections, duplicates and syntax errors are rejected here.
//   load_deck(_text)  typed parsing, ranges, cross-key rules, Config::deck_text and
//                     Config::key_values.
//   key_table         the specification rows (keys.hpp); adding a key is adding a row (plus the
//                     line that copies it into Config in src/deck/: a row nobody reads is a
//                     logic_error).
// Every problem a user can cause throws InputError naming the key, the value and what is allowed.
// Sources (src/deck/): keys.cpp the table, reader.cpp read_deck_values and load_deck*, scan.cpp
// scan_points, keys_doc.cpp print_keys.
#pragma once

#include "ssbsim/core/text.hpp" // the deck's number and list syntax
#include "ssbsim/deck/config.hpp"
#include "ssbsim/deck/keys.hpp"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ssbsim {

// ---- Typed layer -------------------------------------------------------------------------

// Reads the deck file; a missing or unreadable file is an InputError naming the path.
// `overrides` are "section.key=value" strings (--set); they beat the file.
Config load_deck(const std::filesystem::path& deck, const std::vector<std::string>& overrides);

// The text of a deck file; InputError naming the path if it is missing or unreadable.
std::string read_deck_file(const std::filesystem::path& deck);

// Same from text; `deck_name` appears in messages and its stem gives the default run.output.
Config load_deck_text(std::string_view text, const std::vector<std::string>& overrides,
                      std::string_view deck_name);

// ---- Scans ---------------------------------------------------------------------------------
// A [scan] section gives several values for any other key: a comma-separated list
// (`lattice.dims = 8 8, 16 16`) or an inclusive range start:stop:step (`action.m2 =
// -1.4:-1.1:0.02`). The points are the product of all scanned keys, the first key varying
// slowest. `scan.together = k1 k2 ...` ties scanned keys into one axis (value i of each with value
// i of the others, e.g. the run length and the measurement interval), named by the first alone.
// Each point is the base deck plus `settings` (as --set overrides, including its own
// run.output = <output stem>_<key>=<value>_....h5, spaces in values written as 'x').
struct ScanPoint {
    std::vector<std::string> settings; // "section.key=value", then "run.output=..."
    std::string label;                 // "dims=16x16_m2=-1.3"; empty without [scan]
    std::string output;
};

// One point (no settings but the output) for a deck without [scan]. Every point is validated
// by the caller loading it; the base deck is validated here.
std::vector<ScanPoint> scan_points(std::string_view text, const std::vector<std::string>& overrides,
                                   std::string_view deck_name);

enum class KeysFormat { text, markdown };

// Every key with type, default, allowed values and description (`ssbsim keys`, docs/keys.md).
void print_keys(std::ostream& out, KeysFormat format);

// ---- Raw layer ---------------------------------------------------------------------------

enum class ValueSource { table_default, deck, command_line };

struct DeckValue {
    std::string text; // as written (trimmed, comment stripped) or the table default
    ValueSource source = ValueSource::deck;
    bool given() const { return source != ValueSource::table_default; }
};

// Keys present in the deck, the overrides or with a table default; absent keys are missing.
using DeckValues = std::map<std::string, DeckValue, std::less<>>;

DeckValues read_deck_values(std::string_view text, const std::vector<std::string>& overrides,
                            std::string_view deck_name);

} // namespace ssbsim
