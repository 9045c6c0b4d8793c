// The key table: one row per deck key (name, type, default, range, description, flags). The
// reader (deck.hpp), `ssbsim keys`, docs/keys.md, the resolved deck, --resume and the analysis
// of scans all read these rows; adding a key is adding a row (plus the line that copies it into
// Config in src/deck/). Tested by tests/test_deck.cpp.
#pragma once

#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace ssbsim {

enum class KeyType {
    integer,  // decimal, optional sign
    real,     // finite decimal floating point
    boolean,  // true/false/yes/no/1/0
    string,   // non-empty, no '#' (INI comment)
    choice,   // one of KeySpec::choices
    integers, // list, entries separated by whitespace and/or commas
    reals,    // list
    choices,  // list of KeySpec::choices
    schedule, // schedule.hpp syntax; the range applies to every value it takes
};

enum class Presence {
    defaulted, // KeySpec::default_value applies when absent
    required,  // absent is an error
    optional,  // absent is meaningful (see description); checked by cross-key rules
};

// How many entries a list takes; a single entry is broadcast for per_axis/per_component.
enum class ListCount { scalar, up_to_4, per_axis, per_component };

// What a key means when runs are compared with each other: a column of the table, read by
// io/checkpoint.cpp (--resume refuses a changed physics key) and analysis/analyze_scan.cpp
// (the keys that tell the ensembles of a scan apart).
enum KeyFlag : unsigned {
    resume_may_change = 1u << 0, // may differ on --resume: it changes no step of the trajectory
                                 // (where and how much is stored, how long the run goes on)
    not_ensemble = 1u << 1,      // how a run was made or stored, not which ensemble it samples
};

struct KeySpec {
    std::string_view name; // "section.key"
    KeyType type;
    Presence presence;
    std::string_view default_value = {};                   // Presence::defaulted only
    double min = -std::numeric_limits<double>::infinity(); // numeric range, also per list
    double max = std::numeric_limits<double>::infinity();  // entry and per schedule value
    bool min_exclusive = false;
    std::span<const std::string_view> choices = {};
    ListCount count = ListCount::scalar;
    std::string_view range_reason = {}; // why values outside the range are refused
    std::string_view description = {};
    unsigned flags = 0; // KeyFlag bits

    bool has(KeyFlag flag) const { return (flags & flag) != 0; }
    std::string_view section() const { return name.substr(0, name.find('.')); }
    std::string_view key() const { return name.substr(name.find('.') + 1); }
};

std::span<const KeySpec> key_table();
const KeySpec* find_key(std::string_view name); // nullptr if unknown

// What a value of this key may be, e.g. "a real number >= 0" (messages and docs).
std::string allowed_text(const KeySpec& spec);

} // namespace ssbsim
