// The typed reader: INI text through Boost.Program_options (read_deck_values), then every key
// typed, range-checked and copied into Config section by section, with the cross-key rules and
// the resolved deck (load_deck_text). See include/ssbsim/deck/deck.hpp for the layering.
#include "deck_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/dynamics/methods.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>

namespace ssbsim {
namespace po = boost::program_options;
using namespace deck_impl;

namespace {

constexpr std::int64_t max_sites = std::int64_t{1} << 40;

using enum KeyType;
using enum Presence;

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            diagonal = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
        }
    }
    return row[b.size()];
}

// Close enough to be a typo: a few edits, more for longer words.
bool near(std::size_t distance, std::string_view word) {
    return !word.empty() && distance <= 2 + word.size() / 4;
}

std::string suggestion(std::string_view word, std::span<const std::string_view> candidates,
                       std::string_view before = "'", std::string_view after = "'") {
    std::string_view best;
    std::size_t best_distance = std::string_view::npos;
    for (std::string_view c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_distance) best = c, best_distance = d;
    }
    if (best.empty() || !near(best_distance, word)) return "";
    return "; did you mean " + std::string(before) + std::string(best) + std::string(after) + "?";
}

std::vector<std::string_view> section_names() {
    std::vector<std::string_view> names;
    for (const KeySpec& k : key_table())
        if (std::find(names.begin(), names.end(), k.section()) == names.end())
            names.push_back(k.section());
    return names;
}

// A key's leaf counts more than its section: "run.steps" is meant as "dynamics.steps", not as
// "run.seed", so compare leaves (plus one for moving section) as well as full names.
std::string key_suggestion(std::string_view name) {
    const std::size_t dot = name.find('.');
    const std::string_view section = dot == std::string_view::npos ? "" : name.substr(0, dot);
    const std::string_view leaf = dot == std::string_view::npos ? name : name.substr(dot + 1);
    const KeySpec* best = nullptr;
    std::size_t best_distance = std::string_view::npos;
    for (const KeySpec& k : key_table()) {
        const std::size_t d =
            std::min(edit_distance(name, k.name),
                     edit_distance(leaf, k.key()) + (section == k.section() ? 0 : 1));
        if (d < best_distance) best = &k, best_distance = d;
    }
    if (!near(best_distance, leaf)) return "; `ssbsim keys` lists every key";
    return "; did you mean " + quote(best->name) + "?";
}

// ---- INI reading through Boost.Program_options -------------------------------------------

po::options_description make_options() {
    po::options_description options;
    for (const KeySpec& k : key_table()) {
        po::typed_value<std::string>* value = po::value<std::string>();
        if (k.presence == defaulted) value->default_value(std::string(k.default_value));
        options.add_options()(std::string(k.name).c_str(), value);
    }
    // [scan] may list values for any key but the output name, which each point derives.
    for (const KeySpec& k : key_table())
        if (k.name != "run.output")
            options.add_options()((std::string(scan_prefix) + std::string(k.name)).c_str(),
                                  po::value<std::string>());
    // Scanned keys that vary together, as one axis (scan.cpp).
    options.add_options()((std::string(scan_prefix) + "together").c_str(),
                          po::value<std::string>());
    return options;
}

void reject_unknown(const po::option& o, std::string_view origin) {
    const std::string& name = o.string_key;
    const std::string value = o.value.empty() ? "" : o.value.front();
    const std::size_t dot = name.find('.');
    const std::string where = std::string(origin) + ": ";
    if (dot == std::string::npos)
        throw InputError(where + "key " + quote(name) + " (= " + quote(value) +
                         ") is outside any section" + key_suggestion(name));
    const std::string_view section = std::string_view(name).substr(0, dot);
    const std::vector<std::string_view> sections = section_names();
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
        throw InputError(where + "unknown section '[" + std::string(section) + "]' (key " +
                         quote(name) + " = " + quote(value) + ")" +
                         suggestion(section, sections, "'[", "]'"));
    throw InputError(where + "unknown key " + quote(name) + " (= " + quote(value) + ")" +
                     key_suggestion(name));
}

void reject_duplicates(const po::parsed_options& parsed, std::string_view origin) {
    std::map<std::string_view, std::string_view> seen;
    for (const po::option& o : parsed.options) {
        const std::string_view value = o.value.empty() ? "" : std::string_view(o.value.front());
        const auto [it, fresh] = seen.emplace(o.string_key, value);
        if (!fresh)
            throw InputError(std::string(origin) + ": duplicate key " + quote(o.string_key) +
                             ": given as " + quote(it->second) + " and again as " + quote(value) +
                             "; give each key once");
    }
}

po::parsed_options parse_ini(const std::string& text, const po::options_description& options,
                             std::string_view origin) {
    std::istringstream in(text);
    // Unregistered keys are let through so that the error can suggest the key that was meant.
    std::optional<po::parsed_options> parsed;
    try {
        parsed.emplace(po::parse_config_file(in, options, /*allow_unregistered=*/true));
    } catch (const po::error& e) {
        throw InputError(std::string(origin) + ": " + e.what() +
                         "; expected '[section]', 'key = value' or '# comment' lines");
    }
    for (const po::option& o : parsed->options)
        if (o.unregistered) reject_unknown(o, origin);
    reject_duplicates(*parsed, origin);
    return std::move(*parsed);
}

// --set values go through the same INI parser, one "section.key = value" line each.
std::string overrides_as_ini(const std::vector<std::string>& overrides) {
    std::string ini;
    for (const std::string& o : overrides) {
        if (o.find('=') == std::string::npos || o.find('\n') != std::string::npos)
            throw InputError("--set " + quote(o) + ": expected section.key=value");
        if (o.find('#') != std::string::npos)
            throw InputError("--set " + quote(o) +
                             ": '#' starts a comment in a deck, so it cannot appear in a value");
        ini += o + "\n";
    }
    return ini;
}

std::string origin_of(std::string_view deck_name) {
    return deck_name.empty() ? std::string("deck") : std::string(deck_name);
}

// ---- Typed values ------------------------------------------------------------------------

bool in_range(const KeySpec& k, double v) {
    return (k.min_exclusive ? v > k.min : v >= k.min) && v <= k.max;
}

std::optional<bool> parse_boolean(std::string_view t) {
    if (t == "true" || t == "yes" || t == "1") return true;
    if (t == "false" || t == "no" || t == "0") return false;
    return std::nullopt;
}

// Typed access to the raw values. Every value read or deliberately left out is recorded, so
// that the resolved deck lists each key and a table row that no code reads is caught.
class DeckReader {
  public:
    DeckReader(DeckValues values, std::string_view deck_name)
        : values_(std::move(values)), origin_(origin_of(deck_name)) {}

    bool has(std::string_view key) const { return values_.contains(key); }
    bool given(std::string_view key) const {
        const auto it = values_.find(key);
        return it != values_.end() && it->second.given();
    }
    // The value as written, for messages about a key's relation to others.
    std::string quoted(std::string_view key) const {
        const auto it = values_.find(key);
        return it == values_.end() ? "''" : quote(it->second.text);
    }

    std::int64_t integer_value(std::string_view key) {
        const auto& [k, text] = lookup(key, integer);
        const std::int64_t v = number<std::int64_t>(k, text, text);
        record(k, std::to_string(v));
        return v;
    }

    double real_value(std::string_view key) {
        const auto& [k, text] = lookup(key, real);
        const double v = number<double>(k, text, text);
        record(k, format_real(v));
        return v;
    }

    bool boolean_value(std::string_view key) {
        const auto& [k, text] = lookup(key, boolean);
        const std::optional<bool> v = parse_boolean(text);
        if (!v) fail(k, quote(text) + " is not a boolean");
        record(k, *v ? "true" : "false");
        return *v;
    }

    std::string string_value(std::string_view key) {
        const auto& [k, text] = lookup(key, string);
        record(k, text);
        return text;
    }

    template <class Enum>
    Enum choice_value(std::string_view key) {
        const auto& [k, text] = lookup(key, choice);
        const std::size_t i = choice_index(k, text, text);
        record(k, std::string(k.choices[i]));
        return static_cast<Enum>(i);
    }

    std::vector<std::int64_t> integer_list(std::string_view key) {
        const auto& [k, text] = lookup(key, integers);
        const std::vector<std::string_view> entries = list_entries(k, text, 0);
        std::vector<std::int64_t> out;
        for (std::string_view e : entries)
            out.push_back(number<std::int64_t>(k, e, text));
        record_list(k, out, [](std::int64_t v) { return std::to_string(v); });
        return out;
    }

    // `n`: the number of axes or components a single entry is broadcast to.
    std::vector<double> real_list(std::string_view key, std::size_t n) {
        const auto& [k, text] = lookup(key, reals);
        std::vector<double> out;
        for (std::string_view e : list_entries(k, text, n))
            out.push_back(number<double>(k, e, text));
        record_list(k, out, format_real);
        return broadcast(out, n);
    }

    template <class Enum>
    std::vector<Enum> choice_list(std::string_view key, std::size_t n) {
        const auto& [k, text] = lookup(key, choices);
        std::vector<Enum> out;
        std::vector<std::string_view> names;
        for (std::string_view e : list_entries(k, text, n)) {
            const std::size_t i = choice_index(k, e, text);
            out.push_back(static_cast<Enum>(i));
            names.push_back(k.choices[i]);
        }
        record(k, join(names, " "));
        return broadcast(out, n);
    }

    std::optional<Schedule> schedule_value(std::string_view key, std::int64_t total_steps) {
        if (!has(key)) {
            leave_unset(key);
            return std::nullopt;
        }
        const auto& [k, text] = lookup(key, schedule);
        Schedule s;
        try {
            s = parse_schedule(text, total_steps);
        } catch (const InputError& e) {
            fail_plain(k.name, quote(text) + " is not a valid schedule: " + e.what());
        }
        for (double v : s.values)
            if (!in_range(k, v))
                fail(k, quote(text) + " takes the value " + format_real(v) + ", which" +
                            out_of_range(k));
        record(k, s.text());
        return s;
    }

    // An optional key that is absent: its consumer applies the documented default.
    void leave_unset(std::string_view key) { notes_[spec(key, std::nullopt).name] = "not set"; }

    // For a value computed from elsewhere (run.output from the deck name).
    std::string use(std::string_view key, std::string value) {
        record(spec(key, string), value);
        return value;
    }

    // A key that does not apply `condition` (e.g. "with action.form = mass"): giving it is an
    // error, and the resolved deck says why it is absent.
    void skip(std::string_view key, const std::string& condition, std::string_view reason) {
        const KeySpec& k = spec(key, std::nullopt);
        if (given(key))
            fail_plain(k.name,
                       quoted(key) + " cannot be given " + condition + ": " + std::string(reason));
        notes_[k.name] = "not used " + condition + " (" + std::string(reason) + ")";
    }

    // A key that `condition` makes required.
    void require(std::string_view key, const std::string& condition) {
        const KeySpec& k = spec(key, std::nullopt);
        if (!has(key))
            throw InputError(origin_ + ": missing key " + quote(k.name) + ", required " +
                             condition + "; expected " + allowed_text(k));
    }

    [[noreturn]] void fail(const KeySpec& k, const std::string& what,
                           const std::string& hint = "") const {
        fail_plain(k.name, what + "; expected " + allowed_text(k) + hint);
    }

    [[noreturn]] void fail_plain(std::string_view key, const std::string& what) const {
        throw InputError(origin_of_value(key) + ": key " + quote(key) + ": " + what);
    }

    // The resolved deck: every key of the table, section by section, with its canonical value
    // or, for a key this run does not use, a comment saying why.
    std::string resolved_text() const {
        std::string out = "# Resolved deck: every key with the value used (defaults included).\n";
        std::string_view section;
        for (const KeySpec& k : key_table()) {
            if (k.section() != section) {
                section = k.section();
                out += "\n[" + std::string(section) + "]\n";
            }
            const auto value = resolved_.find(k.name);
            if (value != resolved_.end())
                out += std::string(k.key()) + " = " + value->second + "\n";
            else
                out += "# " + std::string(k.key()) + ": " + notes_.at(k.name) + "\n";
        }
        return out;
    }

    // What a re-read of resolved_text() gives each key: its resolved value, or the table
    // default of a defaulted key that the resolved deck leaves out (Config::key_values).
    std::map<std::string, std::string> key_values() const {
        std::map<std::string, std::string> out;
        for (const KeySpec& k : key_table()) {
            if (const auto value = resolved_.find(k.name); value != resolved_.end())
                out.emplace(k.name, value->second);
            else if (k.presence == defaulted)
                out.emplace(k.name, k.default_value);
        }
        return out;
    }

    void check_every_key_handled() const {
        for (const KeySpec& k : key_table())
            if (!resolved_.contains(k.name) && !notes_.contains(k.name))
                throw std::logic_error("deck key '" + std::string(k.name) +
                                       "' has a table row but src/deck/reader.cpp never reads it");
    }

  private:
    struct Lookup {
        const KeySpec& spec;
        const std::string& text;
    };

    const KeySpec& spec(std::string_view key, std::optional<KeyType> type) const {
        const KeySpec* k = find_key(key);
        if (!k || (type && k->type != *type))
            throw std::logic_error("deck key '" + std::string(key) +
                                   "' is not in the table as read");
        return *k;
    }

    Lookup lookup(std::string_view key, KeyType type) const {
        const KeySpec& k = spec(key, type);
        const auto it = values_.find(key);
        if (it == values_.end())
            throw InputError(origin_ + ": missing required key " + quote(k.name) + "; expected " +
                             allowed_text(k));
        if (it->second.text.empty()) fail(k, "the value is empty");
        return {k, it->second.text};
    }

    std::string origin_of_value(std::string_view key) const {
        const auto it = values_.find(key);
        if (it == values_.end()) return origin_;
        switch (it->second.source) {
        case ValueSource::command_line:
            return "--set";
        case ValueSource::table_default:
            return origin_ + " (default)";
        default:
            return origin_;
        }
    }

    // One number; `whole` is the full value, quoted when the number is one entry of a list.
    template <class T>
    T number(const KeySpec& k, std::string_view token, std::string_view whole) const {
        const std::optional<T> v = [&] {
            if constexpr (std::is_integral_v<T>)
                return parse_integer(token);
            else
                return parse_real(token);
        }();
        const std::string what =
            token == whole ? quote(token) : "entry " + quote(token) + " of " + quote(whole);
        if (!v) fail(k, what + " is not " + std::string(noun(k.type, false)));
        if (!in_range(k, static_cast<double>(*v))) fail(k, what + out_of_range(k));
        return *v;
    }

    static std::string out_of_range(const KeySpec& k) {
        if (k.range_reason.empty()) return " is out of range";
        return " is out of range (" + std::string(k.range_reason) + ")";
    }

    std::size_t choice_index(const KeySpec& k, std::string_view token,
                             std::string_view whole) const {
        const auto it = std::find(k.choices.begin(), k.choices.end(), token);
        if (it != k.choices.end()) return static_cast<std::size_t>(it - k.choices.begin());
        const std::string what =
            token == whole ? quote(token) : "entry " + quote(token) + " of " + quote(whole);
        fail(k, what + " is not a valid choice", suggestion(token, k.choices));
    }

    // `n` is the number of axes/components for broadcast lists (unused for up_to_4).
    std::vector<std::string_view> list_entries(const KeySpec& k, std::string_view text,
                                               std::size_t n) const {
        const std::optional<std::vector<std::string_view>> entries = split_list(text);
        if (!entries) fail(k, quote(text) + " is not a valid list: it has an empty entry");
        const std::size_t got = entries->size();
        const bool ok = k.count == ListCount::up_to_4 ? got >= 1 && got <= 4 : got == 1 || got == n;
        if (!ok) fail(k, quote(text) + " has " + std::to_string(got) + " entries" + context(k, n));
        return *entries;
    }

    static std::string context(const KeySpec& k, std::size_t n) {
        if (k.count == ListCount::per_axis)
            return ", not 1 or " + std::to_string(n) + " (lattice.dims has " + std::to_string(n) +
                   " axes)";
        if (k.count == ListCount::per_component)
            return ", not 1 or " + std::to_string(n) + " (field.components = " + std::to_string(n) +
                   ")";
        return "";
    }

    template <class T>
    static std::vector<T> broadcast(std::vector<T> v, std::size_t n) {
        if (v.size() == 1) v.resize(n, v.front());
        return v;
    }

    template <class T, class Format>
    void record_list(const KeySpec& k, const std::vector<T>& v, Format format) {
        std::string text;
        for (const T& x : v)
            text += (text.empty() ? "" : " ") + format(x);
        record(k, text);
    }

    void record(const KeySpec& k, std::string canonical) { resolved_[k.name] = canonical; }

    DeckValues values_;
    std::string origin_;
    std::map<std::string_view, std::string> resolved_; // key -> canonical value text
    std::map<std::string_view, std::string> notes_;    // key -> why it is absent
};

// ---- From values to Config, one section at a time ------------------------------------------

template <class Enum>
std::string name_of(Enum e, std::span<const std::string_view> names) {
    return std::string(names[static_cast<std::size_t>(e)]);
}

RunConfig read_run(DeckReader& r, std::string_view deck_name) {
    RunConfig run;
    run.seed = static_cast<std::uint32_t>(r.integer_value("run.seed"));
    const std::string stem = std::filesystem::path(deck_name).stem().string();
    if (r.has("run.output"))
        run.output = r.string_value("run.output");
    else if (stem.empty())
        r.require("run.output", "when the deck has no file name to derive it from");
    else
        run.output = r.use("run.output", stem + ".h5");
    run.overwrite = r.boolean_value("run.overwrite");
    run.replicas = static_cast<int>(r.integer_value("run.replicas"));
    run.replica_init = r.choice_value<ReplicaInit>("run.replica_init");
    run.replica_noise = r.choice_value<ReplicaNoise>("run.replica_noise");
    return run;
}

bool network_active(const DeckReader& r) {
    return r.given("network.depth");
}

// [network]: the weights of a depth x width [x fan_in] network as a lattice. Layers talk to
// their neighbours only (open ends); neurons of a layer, and weights of a neuron, are
// interchangeable (mean-field).
NetworkConfig read_network(DeckReader& r) {
    NetworkConfig n;
    const std::string without = "without network.depth";
    if (!network_active(r)) {
        for (const char* key : {"network.depth", "network.width", "network.fan_in"})
            r.leave_unset(key);
        for (const char* key :
             {"network.layer_coupling", "network.neuron_coupling", "network.input_coupling"})
            r.skip(key, without, "it belongs to the network geometry");
        if (r.given("network.width") || r.given("network.fan_in"))
            r.require("network.depth", "with network.width or network.fan_in");
        return n;
    }
    n.enabled = true;
    n.depth = r.integer_value("network.depth");
    r.require("network.width", "with network.depth");
    n.width = r.integer_value("network.width");
    if (r.has("network.fan_in"))
        n.fan_in = r.integer_value("network.fan_in");
    else
        r.leave_unset("network.fan_in");
    n.layer_coupling = r.real_value("network.layer_coupling");
    n.neuron_coupling = r.real_value("network.neuron_coupling");
    if (n.fan_in > 0)
        n.input_coupling = r.real_value("network.input_coupling");
    else
        r.skip("network.input_coupling", "without network.fan_in", "there is no input axis");
    return n;
}

// Refuses more than max_sites sites, before any product can overflow; `key` and `what` say
// which setting gave the extents.
void check_sites(DeckReader& r, std::string_view key, const std::string& what,
                 const std::vector<std::int64_t>& dims) {
    std::int64_t sites = 1;
    for (std::int64_t l : dims) {
        if (l > max_sites / sites)
            r.fail_plain(key,
                         what + " has more than 2^40 = " + std::to_string(max_sites) + " sites");
        sites *= l;
    }
}

LatticeConfig read_lattice(DeckReader& r, const NetworkConfig& network) {
    LatticeConfig lattice;
    if (network.enabled) {
        const std::string with = "with [network]";
        for (const char* key : {"lattice.dims", "lattice.boundary", "lattice.axis_names"})
            r.skip(key, with, "the network geometry sets it");
        lattice.dims = {network.depth, network.width};
        lattice.boundary = {Boundary::open, Boundary::periodic};
        lattice.axis_names = {"layer", "neuron"};
        if (network.fan_in > 0) {
            lattice.dims.push_back(network.fan_in);
            lattice.boundary.push_back(Boundary::periodic);
            lattice.axis_names.push_back("input");
        }
        check_sites(r, "network.width", "the network (depth x width [x fan_in])", lattice.dims);
        return lattice;
    }
    lattice.dims = r.integer_list("lattice.dims");
    check_sites(r, "lattice.dims", r.quoted("lattice.dims"), lattice.dims);
    lattice.boundary = r.choice_list<Boundary>("lattice.boundary", lattice.dims.size());
    if (r.has("lattice.axis_names")) {
        const std::string text = r.string_value("lattice.axis_names");
        const std::optional<std::vector<std::string_view>> names = split_list(text);
        if (!names) r.fail_plain("lattice.axis_names", quote(text) + " is a malformed list");
        lattice.axis_names.assign(names->begin(), names->end());
        if (lattice.axis_names.size() != lattice.dims.size())
            r.fail_plain("lattice.axis_names", r.quoted("lattice.axis_names") + " names " +
                                                   std::to_string(lattice.axis_names.size()) +
                                                   " axes; lattice.dims has " +
                                                   std::to_string(lattice.dims.size()));
    } else {
        r.leave_unset("lattice.axis_names");
        for (std::size_t mu = 0; mu < lattice.dims.size(); ++mu)
            lattice.axis_names.push_back("x" + std::to_string(mu + 1));
    }
    return lattice;
}

FieldConfig read_field(DeckReader& r) {
    FieldConfig field;
    field.components = static_cast<int>(r.integer_value("field.components"));
    field.init = r.choice_value<InitKind>("field.init");
    field.init_value = r.real_list("field.init_value", static_cast<std::size_t>(field.components));
    field.init_sigma = r.real_value("field.init_sigma");
    if (field.init == InitKind::file) {
        r.require("field.init_file", "with field.init = file");
        field.init_file = r.string_value("field.init_file");
    } else {
        r.skip("field.init_file", "with field.init = " + name_of(field.init, init_names),
               "only init = file reads a file");
    }
    return field;
}

void read_hopping_form(DeckReader& r, ActionConfig& action, const LatticeConfig& lattice) {
    const std::string with = "with action.form = hopping";
    r.skip("action.m2", with, "m2 is derived from kappa and lambda");
    r.skip("action.coupling", with, "the coupling is derived from kappa and lambda");
    r.require("action.kappa", with);
    action.kappa = r.real_value("action.kappa");
    const bool periodic =
        std::ranges::all_of(lattice.boundary, [](Boundary b) { return b == Boundary::periodic; });
    if (!periodic)
        r.fail_plain("lattice.boundary",
                     r.quoted("lattice.boundary") +
                         " is not allowed with action.form = hopping: every axis must be "
                         "periodic, as the conversion to the mass form is exact only then");
}

void read_source(DeckReader& r, ActionConfig& action) {
    action.h_source = r.choice_value<HSource>("action.h_source");
    const std::string with = "with action.h_source = " + name_of(action.h_source, source_names);
    if (action.h_source == HSource::random) {
        action.h_sigma = r.real_value("action.h_sigma");
        action.h_seed = static_cast<std::uint32_t>(r.integer_value("action.h_seed"));
    } else {
        r.skip("action.h_sigma", with, "only a random source has a width");
        r.skip("action.h_seed", with, "only a random source has a seed");
    }
    if (action.h_source == HSource::file) {
        r.require("action.h_file", with);
        action.h_file = r.string_value("action.h_file");
        action.h_dataset = r.string_value("action.h_dataset");
    } else {
        r.skip("action.h_file", with, "only h_source = file reads a file");
        r.skip("action.h_dataset", with, "only h_source = file reads a file");
    }
}

ActionConfig read_action(DeckReader& r, const LatticeConfig& lattice, const FieldConfig& field,
                         const NetworkConfig& network) {
    ActionConfig action;
    action.form = r.choice_value<ActionForm>("action.form");
    action.lambda = r.real_value("action.lambda");
    read_source(r, action);
    if (r.given("schedule.h"))
        r.skip("action.h", "together with schedule.h", "the schedule replaces it; give one");
    else
        action.h = r.real_list("action.h", static_cast<std::size_t>(field.components));
    if (action.form == ActionForm::hopping) {
        if (network.enabled)
            r.fail_plain("action.form", "'hopping' cannot be used with [network]: the network's "
                                        "couplings are mass-form parameters");
        r.skip("action.coupling_kind", "with action.form = hopping",
               "the hopping form has one nearest-neighbour coupling");
        read_hopping_form(r, action, lattice);
        return action;
    }
    r.skip("action.kappa", "with action.form = mass", "kappa belongs to the hopping form");
    if (r.given("schedule.m2"))
        r.skip("action.m2", "together with schedule.m2", "the schedule replaces it; give one");
    else
        action.m2 = r.real_value("action.m2");
    if (network.enabled) {
        for (const char* key : {"action.coupling", "action.coupling_kind"})
            r.skip(key, "with [network]", "the network geometry sets it");
        action.coupling = {network.layer_coupling, network.neuron_coupling};
        action.coupling_kind = {CouplingKind::nearest, CouplingKind::mean};
        if (network.fan_in > 0) {
            action.coupling.push_back(network.input_coupling);
            action.coupling_kind.push_back(CouplingKind::mean);
        }
    } else {
        action.coupling = r.real_list("action.coupling", lattice.dims.size());
        action.coupling_kind =
            r.choice_list<CouplingKind>("action.coupling_kind", lattice.dims.size());
    }
    return action;
}

bool training_active(const DeckReader& r) {
    return r.given("training.learning_rate") || r.given("training.lr_schedule");
}

DynamicsConfig read_dynamics(DeckReader& r) {
    DynamicsConfig dynamics;
    dynamics.method = r.choice_value<Method>("dynamics.method");
    const std::string with_method =
        "with dynamics.method = " + std::string(method_spec(dynamics.method).name);
    dynamics.steps = r.integer_value("dynamics.steps");
    const bool training = training_active(r); // [training] sets step and temperature
    if (training)
        r.skip("dynamics.step", "together with [training]", "the learning rate sets it");
    else if (r.given("schedule.step") && !method_spec(dynamics.method).adaptive_step)
        r.skip("dynamics.step", "together with schedule.step",
               "the schedule replaces it; give one");
    else
        dynamics.step = r.real_value("dynamics.step");
    if (method_spec(dynamics.method).flow)
        r.skip("dynamics.temperature", with_method,
               "gradient flow has no noise; use method = langevin");
    else if (training)
        r.skip("dynamics.temperature", "together with [training]", "eta sigma^2 / (2 B) sets it");
    else if (r.given("schedule.temperature"))
        r.skip("dynamics.temperature", "together with schedule.temperature",
               "the schedule replaces it; give one");
    else
        dynamics.temperature = r.real_value("dynamics.temperature");
    if (dynamics.method == Method::flow_adaptive)
        dynamics.tolerance = r.real_value("dynamics.tolerance");
    else
        r.skip("dynamics.tolerance", with_method, "only flow_adaptive controls its error");
    dynamics.field_bound = r.real_value("dynamics.field_bound");
    if (dynamics.method == Method::momentum)
        dynamics.friction = r.real_value("dynamics.friction");
    else
        r.skip("dynamics.friction", with_method, "only method = momentum has a friction");
    if (dynamics.method == Method::hmc || dynamics.method == Method::fa_hmc) {
        dynamics.hmc_steps = static_cast<int>(r.integer_value("dynamics.hmc_steps"));
        dynamics.hmc_integrator = r.choice_value<MdIntegrator>("dynamics.hmc_integrator");
        dynamics.hmc_jitter = r.real_value("dynamics.hmc_jitter");
    } else {
        for (const char* key :
             {"dynamics.hmc_steps", "dynamics.hmc_integrator", "dynamics.hmc_jitter"})
            r.skip(key, with_method, "only methods hmc and fa_hmc have trajectories");
    }
    if (method_spec(dynamics.method).fourier)
        dynamics.fourier_mass = r.real_value("dynamics.fourier_mass");
    else
        r.skip("dynamics.fourier_mass", with_method,
               "only fa_hmc and fa_langevin are Fourier-accelerated");
    if (method_spec(dynamics.method).flow)
        r.skip("dynamics.cluster_every", with_method,
               "a cluster update samples exp(-S/T) and gradient flow has no temperature");
    else
        dynamics.cluster_every = r.integer_value("dynamics.cluster_every");
    if (dynamics.cluster_every > 0)
        dynamics.cluster_kind = r.choice_value<ClusterKind>("dynamics.cluster_kind");
    else
        r.skip("dynamics.cluster_kind", "without dynamics.cluster_every > 0",
               "there are no cluster updates");
    return dynamics;
}

// A cluster flip reflects the field: the action must be symmetric under it (no field h, no
// source) and made of nearest-neighbour links (the bonds).
void check_cluster_action(const Config& c) {
    const std::string why = " with dynamics.cluster_every > 0: ";
    for (CouplingKind kind : c.action.coupling_kind)
        if (kind == CouplingKind::mean)
            throw InputError("action.coupling_kind = mean" + why +
                             "a cluster update bonds nearest-neighbour links only, and no exact "
                             "bond construction is implemented for a mean-field axis "
                             "(or [network], whose neuron axes are mean-field)");
    bool field = c.action.h_source != HSource::constant || c.schedule.h.has_value();
    for (double h : c.action.h)
        field = field || h != 0.0;
    if (field)
        throw InputError("an external field (action.h, action.h_source or schedule.h)" + why +
                         "a cluster flip reflects phi, which is a symmetry of the action only "
                         "at h = 0");
}

// An exact sampler of exp(-S/T) has no T = 0 limit: refused before any output exists, whether T
// is constant, scheduled or set by [training]; nor can it share its noise between sites.
void check_exact_temperature(const Config& c) {
    const MethodSpec& method = method_spec(c.dynamics.method);
    if (c.dynamics.cluster_every > 0) check_cluster_action(c);
    if (!method.exact && c.dynamics.cluster_every == 0) return;
    const std::string why =
        method.exact ? " with dynamics.method = " + std::string(method.name) +
                           ", which samples exp(-S/T) exactly and needs T > 0 at every step"
                     : std::string(" with dynamics.cluster_every > 0, whose cluster updates "
                                   "sample exp(-S/T) and need T > 0 at every step");
    const std::string source = c.training.enabled
                                   ? "the temperature eta sigma^2 / (2 B) of [training]"
                                   : "schedule.temperature";
    if (method.exact && c.training.noise == TrainingNoise::shared)
        throw InputError(
            "training.noise = shared with dynamics.method = " + std::string(method.name) +
            ": its Metropolis test assumes independent noise at every site; use "
            "training.noise = independent");
    if (c.schedule.temperature) {
        for (const double t : c.schedule.temperature->values)
            if (!(t > 0.0)) throw InputError(source + " reaches T = " + format_real(t) + why);
    } else if (!(c.dynamics.temperature > 0.0)) {
        throw InputError((c.training.enabled ? source : std::string("dynamics.temperature")) +
                         " = " + format_real(c.dynamics.temperature) + why);
    }
}

// Fourier acceleration diagonalises the nearest-neighbour Laplacian: a mean-field axis (and so
// [network]) has none, refused before any output exists.
void check_fourier_action(const Config& c) {
    const Method method = c.dynamics.method;
    if (!method_spec(method).fourier) return;
    for (std::size_t mu = 0; mu < c.action.coupling_kind.size(); ++mu)
        if (c.action.coupling_kind[mu] == CouplingKind::mean)
            throw InputError("action.coupling_kind = mean on axis " + std::to_string(mu + 1) +
                             " (or [network], whose neuron axes are mean-field) with "
                             "dynamics.method = " +
                             std::string(method_spec(method).name) +
                             ": Fourier acceleration diagonalises the nearest-neighbour "
                             "Laplacian, which a mean-field axis does not have; use " +
                             (method_spec(method).exact ? "hmc" : "langevin"));
}

ScheduleConfig read_schedules(DeckReader& r, const Config& c) {
    ScheduleConfig s;
    const std::int64_t steps = c.dynamics.steps;
    const Method method = c.dynamics.method;
    if (c.training.enabled) {
        r.skip("schedule.temperature", "together with [training]",
               "training.lr_schedule drives the temperature");
        r.skip("schedule.step", "together with [training]", "training.lr_schedule drives it");
        if (c.training.lr_schedule) {
            s.step = c.training.lr_schedule;
            if (!method_spec(method).flow)
                s.temperature = c.training.lr_schedule->scaled(c.training.temperature_per_rate());
        }
    } else {
        if (method_spec(method).flow)
            r.skip("schedule.temperature",
                   "with dynamics.method = " + std::string(method_spec(method).name),
                   "gradient flow has no noise; use method = langevin");
        else
            s.temperature = r.schedule_value("schedule.temperature", steps);
        if (method_spec(method).adaptive_step)
            r.skip("schedule.step",
                   "with dynamics.method = " + std::string(method_spec(method).name),
                   "it chooses its own step size");
        else
            s.step = r.schedule_value("schedule.step", steps);
    }
    if (c.action.form == ActionForm::hopping)
        r.skip("schedule.m2", "with action.form = hopping", "m2 is derived from kappa and lambda");
    else
        s.m2 = r.schedule_value("schedule.m2", steps);
    s.h = r.schedule_value("schedule.h", steps);
    return s;
}

// Shared noise is shared along the mean-field axes; a lattice without one has nothing to share.
TrainingNoise read_training_noise(DeckReader& r, const ActionConfig& action) {
    const auto noise = r.choice_value<TrainingNoise>("training.noise");
    bool mean_axis = false;
    for (CouplingKind kind : action.coupling_kind)
        mean_axis = mean_axis || kind == CouplingKind::mean;
    if (noise == TrainingNoise::shared && !mean_axis)
        r.fail_plain("training.noise",
                     "'shared' shares the noise along the mean-field axes, and this lattice has "
                     "none; use [network] or action.coupling_kind = mean on an axis");
    return noise;
}

// Dropout masks neurons, so it needs the network geometry; it is a mask on the force of an
// Euler step (langevin, flow), which the multi-stage methods would have to hold across stages.
double read_dropout(DeckReader& r, const Config& c) {
    if (!c.network.enabled) {
        r.skip("training.dropout", "without [network]", "dropout masks the network's neurons");
        return 0.0;
    }
    const double p = r.real_value("training.dropout");
    const Method method = c.dynamics.method;
    if (p > 0.0 && method != Method::langevin && method != Method::flow)
        r.fail_plain("training.dropout",
                     "dropout is implemented for dynamics.method = langevin and flow, not " +
                         std::string(method_spec(method).name));
    return p;
}

// SGD vocabulary: eta, B, sigma^2 set epsilon = eta and T = eta sigma^2 / (2B), matching
// w <- w - eta (grad L + noise of variance sigma^2/B) to phi <- phi - eps dS + sqrt(2 T eps) xi.
TrainingConfig read_training(DeckReader& r, Config& c) {
    TrainingConfig t;
    const Method method = c.dynamics.method;
    const std::string with_method =
        "with dynamics.method = " + std::string(method_spec(method).name);
    if (!training_active(r)) {
        for (const char* key : {"training.learning_rate", "training.lr_schedule"})
            r.leave_unset(key);
        for (const char* key : {"training.batch_size", "training.grad_variance"})
            r.skip(key, "without training.learning_rate or training.lr_schedule",
                   "it only enters through the learning rate");
        for (const char* key : {"training.noise", "training.dropout"})
            r.skip(key, "without training.learning_rate or training.lr_schedule",
                   "it belongs to the SGD view of the dynamics");
        return t;
    }
    t.enabled = true;
    if (r.given("training.lr_schedule")) {
        r.skip("training.learning_rate", "together with training.lr_schedule",
               "the schedule gives the learning rate; give one");
        if (method_spec(method).adaptive_step)
            r.skip("training.lr_schedule", with_method, "it chooses its own step size");
        t.lr_schedule = r.schedule_value("training.lr_schedule", c.dynamics.steps);
        t.learning_rate = t.lr_schedule->at(0);
    } else {
        r.leave_unset("training.lr_schedule");
        t.learning_rate = r.real_value("training.learning_rate");
    }
    if (method_spec(method).flow) {
        for (const char* key : {"training.batch_size", "training.grad_variance", "training.noise"})
            r.skip(key, with_method, "full-batch gradient descent has no gradient noise");
    } else {
        t.batch_size = r.integer_value("training.batch_size");
        t.grad_variance = r.real_value("training.grad_variance");
        c.dynamics.temperature = t.learning_rate * t.temperature_per_rate();
        t.noise = read_training_noise(r, c.action);
    }
    t.dropout = read_dropout(r, c);
    c.dynamics.step = t.learning_rate;
    return t;
}

MeasureConfig read_measure(DeckReader& r) {
    MeasureConfig measure;
    measure.every = r.integer_value("measure.every");
    measure.save_every = r.integer_value("measure.save_every");
    measure.compression = static_cast<int>(r.integer_value("measure.compression"));
    return measure;
}

CheckpointConfig read_checkpoint_keys(DeckReader& r) {
    CheckpointConfig checkpoint;
    checkpoint.every = r.integer_value("checkpoint.every");
    checkpoint.keep = r.boolean_value("checkpoint.keep");
    if (r.has("checkpoint.file"))
        checkpoint.file = r.string_value("checkpoint.file");
    else
        r.leave_unset("checkpoint.file"); // io/checkpoint.cpp derives it from run.output
    return checkpoint;
}

} // namespace

DeckValues read_deck_values(std::string_view text, const std::vector<std::string>& overrides,
                            std::string_view deck_name) {
    const po::options_description options = make_options();
    const po::parsed_options from_set = parse_ini(overrides_as_ini(overrides), options, "--set");
    const po::parsed_options from_deck =
        parse_ini(std::string(text), options, origin_of(deck_name));
    po::variables_map vm;
    po::store(from_set, vm); // first stored wins: --set beats the file
    po::store(from_deck, vm);
    std::set<std::string_view> set_keys;
    for (const po::option& o : from_set.options)
        set_keys.insert(o.string_key);
    DeckValues values;
    for (const auto& [name, value] : vm) {
        const ValueSource source = value.defaulted()         ? ValueSource::table_default
                                   : set_keys.contains(name) ? ValueSource::command_line
                                                             : ValueSource::deck;
        values.emplace(name, DeckValue{value.as<std::string>(), source});
    }
    return values;
}

Config load_deck_text(std::string_view text, const std::vector<std::string>& overrides,
                      std::string_view deck_name) {
    DeckValues values = read_deck_values(text, overrides, deck_name);
    std::erase_if(values, [](const auto& kv) { return kv.first.starts_with(scan_prefix); });
    DeckReader r(std::move(values), deck_name);
    Config c;
    c.run = read_run(r, deck_name);
    c.network = read_network(r);
    c.lattice = read_lattice(r, c.network);
    c.field = read_field(r);
    c.action = read_action(r, c.lattice, c.field, c.network);
    c.dynamics = read_dynamics(r);
    // Replicas share one time grid; an adaptive step chosen on one of several different
    // fields would not control the others' error.
    const MethodSpec& method = method_spec(c.dynamics.method);
    if (method.adaptive_step && c.run.replicas > 1 &&
        c.run.replica_init == ReplicaInit::independent)
        r.fail_plain("run.replica_init",
                     "'independent' starts with method = " + std::string(method.name) +
                         " would need a step size per replica; use "
                         "replica_init = same (flow keeps the replicas "
                         "identical) or a fixed-step method");
    c.training = read_training(r, c);
    c.schedule = read_schedules(r, c);
    check_exact_temperature(c);
    check_fourier_action(c);
    c.measure = read_measure(r);
    c.checkpoint = read_checkpoint_keys(r);
    r.check_every_key_handled();
    c.deck_text = r.resolved_text();
    c.key_values = r.key_values();
    return c;
}

namespace {

// A UTF-8 byte-order mark (editors on Windows write one) is dropped, not shown to the user as an
// invisible character in a key name; a NUL byte (a binary file) is refused where it is, since it
// would cut every message that quotes the line.
std::string checked_text(const std::string& name, std::string text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    if (const auto nul = text.find('\0'); nul != std::string::npos) {
        const auto line =
            1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
        throw InputError("deck file " + quote(name) + ": line " + std::to_string(line) +
                         " contains a NUL byte (is it a text file?)");
    }
    return text;
}

} // namespace

std::string read_deck_file(const std::filesystem::path& deck) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(deck, ec))
        throw InputError(
            "deck file " + quote(deck.string()) +
            (std::filesystem::exists(deck, ec) ? " is not a regular file" : " does not exist"));
    std::ifstream in(deck, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.is_open() || in.bad())
        throw InputError("cannot read deck file " + quote(deck.string()));
    return checked_text(deck.string(), text);
}

Config load_deck(const std::filesystem::path& deck, const std::vector<std::string>& overrides) {
    return load_deck_text(read_deck_file(deck), overrides, deck.string());
}

} // namespace ssbsim
