// `ssbsim analyze` output: the aligned table, JSON, CSV, the /analysis group of each file, and the
// command itself (analyze.hpp).
#include "ssbsim/analysis/analyze.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/json.hpp"
#include "ssbsim/version.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace ssbsim::analysis {

namespace {

// ---- numbers as text --------------------------------------------------------------------

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string general(double v, int digits = 6) {
    if (std::isnan(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

// Decimals that give the error two significant digits (value and error printed alike).
int decimals_for(double error) {
    if (!(error > 0.0) || !std::isfinite(error)) return -1;
    const int d = 1 - static_cast<int>(std::floor(std::log10(error)));
    return std::clamp(d, 0, 15);
}

struct ValueText {
    std::string value, error;
};

ValueText value_error(double value, double error) {
    if (std::isnan(value)) return {"n/a", ""};
    const int d = decimals_for(error);
    if (d < 0) return {general(value, 8), std::isnan(error) ? "n/a" : general(error)};
    return {fixed(value, d), fixed(error, d)};
}

std::string plus_minus(double value, double error) {
    const ValueText t = value_error(value, error);
    return t.error.empty() ? t.value : t.value + " +- " + t.error;
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string rpad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : std::string(width - s.size(), ' ') + s + " ";
}

// Shortest-exact-enough text of a number for CSV ("%.17g").
std::string number_text(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_number(double v) {
    return std::isfinite(v) ? number_text(v) : "";
}

std::string key_value(const FileAnalysis& f, const std::string& key) {
    const auto it = f.values.find(key);
    return it == f.values.end() ? "(unset)" : it->second;
}

std::vector<std::string> scan_keys(const ScanAnalysis& scan) {
    std::vector<std::string> keys;
    if (!scan.coupling.empty()) keys.push_back(scan.coupling);
    keys.insert(keys.end(), scan.other_keys.begin(), scan.other_keys.end());
    return keys;
}

// ---- table ----------------------------------------------------------------------------

void table_file(std::ostream& out, const FileAnalysis& f, const ScanAnalysis& scan) {
    out << "== " << f.source << "\n   lattice " << f.size_label() << ", N = " << f.components;
    for (const std::string& key : scan_keys(scan))
        out << ", " << key << " = " << key_value(f, key);
    out << "\n   " << f.measurements << " measurements (steps up to " << f.last_step
        << "); thermalisation cut " << f.skip << (f.skip_automatic ? " (automatic)" : " (--skip)")
        << "; " << f.measurements - f.skip << " used from step " << f.first_step << '\n';
    if (f.replicas > 1)
        out << "   " << f.replicas << " replicas combined as independent chains: the same cut on "
            << "each, " << f.replicas << " x " << f.measurements - f.skip
            << " samples; final values are replica 0's\n";
    for (const std::string& w : f.warnings)
        out << "   warning: " << w << '\n';
    out << "   " << pad("quantity", 26) << rpad("value", 16) << rpad("error", 12)
        << rpad("tau_int", 10) << rpad("N_eff", 9) << " note\n";
    bool derived = false;
    for (const Estimate& e : f.estimates) {
        if (e.method == "gamma_derived" && !derived) {
            derived = true;
            out << "   derived quantities, Gamma-method of the linearised estimator:\n";
        }
        const ValueText t = value_error(e.value, e.error);
        const std::string tau = std::isnan(e.tau_int) ? "" : general(e.tau_int, 3);
        const std::string neff = std::isnan(e.n_effective) ? "" : general(e.n_effective, 4);
        out << "   " << pad(e.name, 26) << rpad(t.value, 16) << rpad(t.error, 12) << rpad(tau, 10)
            << rpad(neff, 9) << (e.note.empty() ? "" : " " + e.note) << '\n';
    }
    out << '\n';
}

void table_scan(std::ostream& out, const std::vector<FileAnalysis>& files,
                const ScanAnalysis& scan) {
    if (scan.coupling.empty()) return;
    const char* const columns[] = {"binder", "chi", "abs_magnetization", "xi2", "schwinger_dyson"};
    out << "== scan over " << scan.coupling << ": " << scan.curves.size() << " curve(s)\n";
    for (const ScanCurve& c : scan.curves) {
        out << "   " << c.label << '\n' << "   " << pad(scan.coupling, 14);
        for (const char* name : columns)
            out << pad(name, 24);
        out << "file\n";
        for (const ScanPoint& p : c.points) {
            const FileAnalysis& f = files[p.file];
            out << "   " << pad(general(p.x, 8), 14);
            for (const char* name : columns) {
                const Estimate* e = f.find(name);
                out << pad(e ? plus_minus(e->value, e->error) : "n/a", 24);
            }
            out << f.source << '\n';
        }
    }
    if (!scan.crossings.empty()) out << "== Binder crossings of successive sizes\n";
    for (const ScanCrossing& x : scan.crossings) {
        out << "   " << pad(x.small + " / " + x.large, 24);
        if (x.found)
            out << scan.coupling << "* = " << pad(plus_minus(x.x, x.x_error), 22)
                << "U* = " << pad(plus_minus(x.binder, x.binder_error), 20) << x.method
                << (x.note.empty() ? "" : "; " + x.note) << '\n';
        else
            out << "no crossing: " << x.note << '\n';
    }
    for (const std::string& n : scan.notes)
        out << "   note: " << n << '\n';
}

// ---- JSON (io/json.hpp: null for a number that does not exist) ----------------------------

Json json_estimate(const Estimate& e) {
    Json j;
    j["value"] = json_number(e.value);
    j["error"] = json_number(e.error);
    j["tau_int"] = json_number(e.tau_int);
    j["tau_int_error"] = json_number(e.tau_int_error);
    j["n_effective"] = json_number(e.n_effective);
    j["n_samples"] = e.n_samples;
    j["method"] = e.method;
    j["note"] = e.note;
    return j;
}

Json json_file(const FileAnalysis& f, const ScanAnalysis& scan) {
    Json j;
    j["file"] = f.source;
    j["dims"] = f.dims;
    j["components"] = f.components;
    Json parameters = Json::object();
    for (const std::string& key : scan_keys(scan))
        parameters[key] = key_value(f, key);
    j["parameters"] = parameters;
    Json deck = Json::object();
    for (const auto& [key, value] : f.values)
        deck[key] = value;
    j["deck"] = deck;
    j["measurements"] = f.measurements;
    j["skip"] = f.skip;
    j["skip_automatic"] = f.skip_automatic;
    j["replicas"] = f.replicas;
    j["used"] = f.measurements - f.skip;
    j["first_step"] = f.first_step;
    j["last_step"] = f.last_step;
    j["equilibrated"] = !f.at_limit;
    j["step_size_bias"] = f.step_size_bias;
    j["warnings"] = f.warnings;
    Json final_values = Json::object();
    for (const auto& [name, v] : f.final_values)
        final_values[name] = json_number(v);
    j["final"] = final_values;
    Json estimates = Json::object();
    for (const Estimate& e : f.estimates)
        estimates[e.name] = json_estimate(e);
    j["estimates"] = estimates;
    return j;
}

Json json_scan(const std::vector<FileAnalysis>& files, const ScanAnalysis& scan) {
    Json j;
    j["coupling"] = scan.coupling;
    j["other_keys"] = scan.other_keys;
    Json curves = Json::array();
    for (const ScanCurve& c : scan.curves) {
        Json curve;
        curve["label"] = c.label;
        curve["dims"] = c.dims;
        Json x = Json::array(), sources = Json::array();
        for (const ScanPoint& p : c.points) {
            x.push_back(json_number(p.x));
            sources.push_back(files[p.file].source);
        }
        curve["x"] = x;
        curve["files"] = sources;
        curves.push_back(curve);
    }
    j["curves"] = curves;
    Json crossings = Json::array();
    for (const ScanCrossing& c : scan.crossings) {
        Json x;
        x["small"] = c.small;
        x["large"] = c.large;
        x["found"] = c.found;
        x["x"] = json_number(c.found ? c.x : NAN);
        x["x_error"] = json_number(c.found ? c.x_error : NAN);
        x["binder"] = json_number(c.found ? c.binder : NAN);
        x["binder_error"] = json_number(c.found ? c.binder_error : NAN);
        x["method"] = c.method;
        x["sign_changes"] = c.sign_changes;
        x["note"] = c.note;
        crossings.push_back(x);
    }
    j["crossings"] = crossings;
    j["notes"] = scan.notes;
    return j;
}

// ---- CSV ------------------------------------------------------------------------------

void csv_row(std::ostream& out, const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i)
        out << (i ? "," : "") << csv_field(fields[i]);
    out << '\n';
}

// ---- /analysis ------------------------------------------------------------------------

h5::Group group_at(h5::Group& parent, const std::string& name) {
    return parent.exists(name) ? parent.open_group(name) : parent.create_group(name);
}

void store_crossings(h5::Group& analysis, const ScanAnalysis& scan) {
    h5::Group g = group_at(analysis, "crossings");
    g.write_attr("description", std::string("Binder crossings of successive lattice sizes over "
                                            "the files analysed together; see docs/analysis.md"));
    g.write_attr("coupling", scan.coupling);
    g.write_attr("n_crossings", static_cast<std::int64_t>(scan.crossings.size()));
    if (scan.crossings.empty()) return;
    std::vector<std::string> small, large, notes;
    std::vector<double> x, x_error, u, u_error;
    for (const ScanCrossing& c : scan.crossings) {
        small.push_back(c.small);
        large.push_back(c.large);
        notes.push_back(c.note.empty() ? "-" : c.note);
        x.push_back(c.found ? c.x : NAN);
        x_error.push_back(c.found ? c.x_error : NAN);
        u.push_back(c.found ? c.binder : NAN);
        u_error.push_back(c.found ? c.binder_error : NAN);
    }
    g.write_attr("small", small);
    g.write_attr("large", large);
    g.write_attr("x", x);
    g.write_attr("x_error", x_error);
    g.write_attr("binder", u);
    g.write_attr("binder_error", u_error);
    g.write_attr("notes", notes);
}

} // namespace

void write_table(std::ostream& out, const std::vector<FileAnalysis>& files,
                 const ScanAnalysis& scan) {
    for (const FileAnalysis& f : files)
        table_file(out, f, scan);
    table_scan(out, files, scan);
}

void write_json(std::ostream& out, const std::vector<FileAnalysis>& files,
                const ScanAnalysis& scan) {
    Json j;
    j["ssbsim_version"] = std::string(version);
    Json list = Json::array();
    for (const FileAnalysis& f : files)
        list.push_back(json_file(f, scan));
    j["files"] = list;
    j["scan"] = json_scan(files, scan);
    print_json(out, j);
}

void write_csv(std::ostream& out, const std::vector<FileAnalysis>& files,
               const ScanAnalysis& scan) {
    const std::vector<std::string> keys = scan_keys(scan);
    std::vector<std::string> header = {"scope", "file", "dims", "components"};
    header.insert(header.end(), keys.begin(), keys.end());
    for (const char* h : {"quantity", "method", "value", "error", "tau_int", "tau_int_error",
                          "n_effective", "n_samples", "note"})
        header.push_back(h);
    csv_row(out, header);
    for (const FileAnalysis& f : files)
        for (const Estimate& e : f.estimates) {
            std::vector<std::string> row = {"file", f.source, f.size_label(),
                                            std::to_string(f.components)};
            for (const std::string& k : keys)
                row.push_back(key_value(f, k));
            for (const std::string& v :
                 {e.name, e.method, csv_number(e.value), csv_number(e.error), csv_number(e.tau_int),
                  csv_number(e.tau_int_error), csv_number(e.n_effective),
                  std::to_string(e.n_samples), e.note})
                row.push_back(v);
            csv_row(out, row);
        }
    for (const ScanCrossing& c : scan.crossings)
        for (const bool binder : {false, true}) {
            std::vector<std::string> row = {"crossing", "", c.small + " / " + c.large, ""};
            for (std::size_t k = 0; k < keys.size(); ++k)
                row.push_back("");
            const double v = c.found ? (binder ? c.binder : c.x) : NAN;
            const double e = c.found ? (binder ? c.binder_error : c.x_error) : NAN;
            for (const std::string& s :
                 {std::string(binder ? "binder_at_crossing" : "crossing_" + scan.coupling),
                  c.method, csv_number(v), csv_number(e), std::string(), std::string(),
                  std::string(), std::string(), c.note})
                row.push_back(s);
            csv_row(out, row);
        }
}

void store_analysis(const FileAnalysis& f, const ScanAnalysis& scan) {
    h5::File file = h5::File::open_rw(f.source);
    h5::Group root = file.root();
    h5::Group g = group_at(root, "analysis");
    g.write_attr("description", std::string("results of ssbsim analyze (docs/analysis.md): one "
                                            "subgroup per quantity with value, error, tau_int, "
                                            "n_effective, n_samples, method, note"));
    g.write_attr("ssbsim_version", std::string(version));
    g.write_attr("skip", static_cast<std::int64_t>(f.skip));
    g.write_attr("skip_automatic", static_cast<std::int64_t>(f.skip_automatic));
    g.write_attr("measurements", static_cast<std::int64_t>(f.measurements));
    g.write_attr("replicas", static_cast<std::int64_t>(f.replicas));
    g.write_attr("first_step", f.first_step);
    g.write_attr("last_step", f.last_step);
    std::string warnings;
    for (const std::string& w : f.warnings)
        warnings += w + "\n";
    g.write_attr("warnings", warnings);
    g.write_attr("coupling", scan.coupling);
    if (!scan.coupling.empty()) g.write_attr("coupling_value", key_value(f, scan.coupling));
    std::vector<std::string> names;
    for (const Estimate& e : f.estimates) {
        names.push_back(e.name);
        h5::Group q = group_at(g, e.name);
        q.write_attr("value", e.value);
        q.write_attr("error", e.error);
        q.write_attr("tau_int", e.tau_int);
        q.write_attr("tau_int_error", e.tau_int_error);
        q.write_attr("n_effective", e.n_effective);
        q.write_attr("n_samples", static_cast<std::int64_t>(e.n_samples));
        q.write_attr("method", e.method);
        q.write_attr("note", e.note);
    }
    g.write_attr("quantities", names);
    store_crossings(g, scan);
    file.close();
}

void run_analyze(const Request& request, std::ostream& out, std::ostream& log) {
    if (request.files.empty())
        throw InputError("analyze: no files given (ssbsim analyze FILE... [--skip N] "
                         "[--json|--csv] [--write])");
    std::vector<FileAnalysis> files;
    std::vector<std::string> problems;
    for (const std::string& path : request.files) {
        if (is_checkpoint_file(path)) {
            log << "note: skipping " << path << ": a checkpoint, not a run output\n";
            continue;
        }
        try {
            files.push_back(analyze_run(read_run(path), request.options));
        } catch (const InputError& e) {
            problems.push_back(e.what());
        }
    }
    if (files.empty() && problems.empty())
        throw InputError("analyze: no run outputs among the files");
    if (problems.size() == 1) throw InputError(problems.front());
    if (!problems.empty()) {
        std::string all = std::to_string(problems.size()) + " of " +
                          std::to_string(request.files.size()) + " files are unusable:";
        for (const std::string& p : problems)
            all += "\n  " + p;
        throw InputError(all);
    }
    const ScanAnalysis scan = analyze_scan(files);
    if (request.format != Format::table) {
        for (const FileAnalysis& f : files)
            for (const std::string& w : f.warnings)
                log << "warning: " << f.source << ": " << w << '\n';
        for (const std::string& n : scan.notes)
            log << "note: " << n << '\n';
    }
    switch (request.format) {
    case Format::table:
        write_table(out, files, scan);
        break;
    case Format::json:
        write_json(out, files, scan);
        break;
    case Format::csv:
        write_csv(out, files, scan);
        break;
    }
    if (request.write)
        for (const FileAnalysis& f : files)
            store_analysis(f, scan);
}

} // namespace ssbsim::analysis
