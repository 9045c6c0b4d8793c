// `[scan]` expansion: the points of a scan as --set overrides of the base deck (deck.hpp).
#include "deck_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ssbsim {
using namespace deck_impl;

namespace {

std::string trim(std::string_view t) {
    const auto b = t.find_first_not_of(" \t");
    if (b == std::string_view::npos) return "";
    return std::string(t.substr(b, t.find_last_not_of(" \t") - b + 1));
}

// "a:b:c" with numbers: start, stop (inclusive within rounding), step.
std::optional<std::vector<std::string>> scan_range(std::string_view key, std::string_view text) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    for (std::size_t colon; (colon = text.find(':', begin)) != std::string_view::npos;
         begin = colon + 1)
        parts.push_back(trim(text.substr(begin, colon - begin)));
    parts.push_back(trim(text.substr(begin)));
    if (parts.size() != 3) return std::nullopt;
    const auto start = parse_real(parts[0]), stop = parse_real(parts[1]),
               step = parse_real(parts[2]);
    const std::string where = "scan." + std::string(key) + ": range " + quote(text);
    if (!start || !stop || !step)
        throw InputError(where + " is not start:stop:step with three numbers");
    if (*step == 0.0 || (*stop - *start) / *step < 0.0)
        throw InputError(where + ": the step does not lead from start to stop");
    const double count = std::floor((*stop - *start) / *step + 1e-9) + 1.0;
    if (count > 10000) throw InputError(where + " has more than 10000 points");
    std::vector<std::string> values;
    for (int i = 0; i < static_cast<int>(count); ++i) {
        char buf[32]; // 12 significant digits: -1.4 + 15 * 0.02 is -1.1, not -1.0999999999999
        std::snprintf(buf, sizeof buf, "%.12g", *start + i * *step);
        values.push_back(format_real(*parse_real(buf)));
    }
    return values;
}

std::vector<std::string> scan_values(std::string_view key, std::string_view text) {
    if (text.find(',') == std::string_view::npos)
        if (auto range = scan_range(key, text)) return *range;
    std::vector<std::string> values;
    std::size_t begin = 0;
    for (std::size_t comma = 0; comma != std::string_view::npos; begin = comma + 1) {
        comma = text.find(',', begin);
        values.push_back(trim(text.substr(
            begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin)));
        if (values.back().empty())
            throw InputError("scan." + std::string(key) + ": " + quote(text) +
                             " has an empty entry; give values separated by commas or a range "
                             "start:stop:step");
    }
    return values;
}

// Part of a file name for one setting: "dims=16x16", "m2=-1.3".
std::string name_part(std::string_view key, std::string value) {
    std::replace(value.begin(), value.end(), ' ', 'x');
    std::erase_if(value, [](char c) { return c == '/' || c == '\t'; });
    return std::string(key.substr(key.find('.') + 1)) + "=" + value;
}

// The scanned keys ("scan.<key>") in the deck's order, then those given only by --set, in
// theirs: the first varies slowest, so array indices follow the deck as written (DeckValues is
// sorted by name). The deck is valid INI here: read_deck_values has parsed it.
std::vector<std::string> scan_key_order(std::string_view text,
                                        const std::vector<std::string>& overrides) {
    std::vector<std::string> order;
    auto add = [&order](const std::string& key) {
        if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
    };
    std::string section;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        std::string line = trim(text.substr(begin, end - begin));
        begin = end + 1;
        line = trim(line.substr(0, line.find('#')));
        if (line.starts_with('[') && line.ends_with(']'))
            section = trim(line.substr(1, line.size() - 2));
        else if (section == "scan" && line.find('=') != std::string::npos)
            add(std::string(scan_prefix) + trim(line.substr(0, line.find('='))));
    }
    for (const std::string& o : overrides)
        if (o.starts_with(scan_prefix)) add(trim(o.substr(0, o.find('='))));
    return order;
}

// One axis of the scan: its keys (several with scan.together) and, per value index, the value of
// each key. Only the first key names the points: the others follow it.
struct ScanAxis {
    std::vector<std::string> keys;
    std::vector<std::vector<std::string>> values; // [value index][key]
};

// scan.together = "k1 k2 ...": the named scanned keys vary together, value i of each with value i
// of the others, as one axis in the place of the first of them.
std::vector<ScanAxis> tie_together(std::vector<ScanAxis> axes, std::string_view together) {
    const std::string where = "scan.together = " + quote(together);
    const auto list = split_list(together);
    const std::vector<std::string> names =
        list ? std::vector<std::string>(list->begin(), list->end()) : std::vector<std::string>{};
    if (names.size() < 2)
        throw InputError(where + ": name two or more scanned keys that vary together");
    std::vector<std::size_t> tied;
    for (const std::string& name : names) {
        const auto it = std::find_if(axes.begin(), axes.end(),
                                     [&](const ScanAxis& a) { return a.keys.front() == name; });
        if (it == axes.end())
            throw InputError(where + ": " + quote(name) + " is not a key scanned in [scan]");
        const auto index = static_cast<std::size_t>(it - axes.begin());
        if (std::find(tied.begin(), tied.end(), index) != tied.end())
            throw InputError(where + ": " + quote(name) + " is named twice");
        if (it->values.size() != axes[tied.empty() ? index : tied.front()].values.size())
            throw InputError(where + ": scan." + name + " has " +
                             std::to_string(it->values.size()) + " values, scan." + names.front() +
                             " " + std::to_string(axes[tied.front()].values.size()) +
                             "; keys that vary together need as many values each");
        tied.push_back(index);
    }
    std::sort(tied.begin(), tied.end());
    ScanAxis& lead = axes[tied.front()];
    for (std::size_t t = 1; t < tied.size(); ++t) {
        const ScanAxis& other = axes[tied[t]];
        lead.keys.push_back(other.keys.front());
        for (std::size_t i = 0; i < lead.values.size(); ++i)
            lead.values[i].push_back(other.values[i].front());
    }
    for (std::size_t t = tied.size(); t-- > 1;)
        axes.erase(axes.begin() + static_cast<std::ptrdiff_t>(tied[t]));
    return axes;
}

} // namespace

std::vector<ScanPoint> scan_points(std::string_view text, const std::vector<std::string>& overrides,
                                   std::string_view deck_name) {
    const DeckValues values = read_deck_values(text, overrides, deck_name);
    std::vector<ScanAxis> axes;
    for (const std::string& name : scan_key_order(text, overrides)) {
        const auto value = values.find(name);
        if (value == values.end() || name == std::string(scan_prefix) + "together") continue;
        const std::string key = name.substr(scan_prefix.size());
        if (const auto base = values.find(key); base != values.end() && base->second.given())
            throw InputError("scan." + key + ": " + key +
                             " is also given a single value; give it in one place");
        ScanAxis axis{{key}, {}};
        for (std::string& v : scan_values(key, value->second.text))
            axis.values.push_back({std::move(v)});
        axes.push_back(std::move(axis));
    }
    if (const auto together = values.find(std::string(scan_prefix) + "together");
        together != values.end())
        axes = tie_together(std::move(axes), together->second.text);
    // The deck at the first point names the output of every point.
    std::vector<std::string> first = overrides;
    for (const ScanAxis& axis : axes)
        for (std::size_t k = 0; k < axis.keys.size(); ++k)
            first.push_back(axis.keys[k] + "=" + axis.values.front()[k]);
    const std::string output = load_deck_text(text, first, deck_name).run.output;
    const std::string stem = output.ends_with(".h5") ? output.substr(0, output.size() - 3) : output;
    std::vector<ScanPoint> points(1);
    for (const ScanAxis& axis : axes) { // the first axis varies slowest
        std::vector<ScanPoint> next;
        for (const ScanPoint& p : points)
            for (const std::vector<std::string>& v : axis.values) {
                ScanPoint q = p;
                for (std::size_t k = 0; k < axis.keys.size(); ++k)
                    q.settings.push_back(axis.keys[k] + "=" + v[k]);
                q.label += (q.label.empty() ? "" : "_") + name_part(axis.keys.front(), v.front());
                next.push_back(std::move(q));
            }
        points = std::move(next);
    }
    for (ScanPoint& p : points) {
        p.output = p.label.empty() ? output : stem + "_" + p.label + ".h5";
        p.settings.push_back("run.output=" + p.output);
    }
    return points;
}

} // namespace ssbsim
