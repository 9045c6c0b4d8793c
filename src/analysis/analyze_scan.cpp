// `ssbsim analyze` over the files of a scan: which deck key varies, one curve per lattice size
// (and per value of any further varying key), and the Binder crossings of successive sizes.
#include "ssbsim/analysis/analyze.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/text.hpp"
#include "ssbsim/deck/keys.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numbers>
#include <random>
#include <set>

namespace ssbsim::analysis {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Keys that say how a run was made or stored, not which ensemble it samples (flagged in the key
// table; lattice.dims among them: the size, which every scan table shows anyway).
bool ignored(const std::string& key) {
    const KeySpec* spec = find_key(key);
    return !spec || spec->has(not_ensemble);
}

// A deck value in a canonical spelling: numbers (and lists of numbers) in the deck's shortest
// exact form, so that "1e6", "1e+06" and "1000000" (different writers) are one value and labels
// read 0.1, not 0.10000000000000001; anything else as written.
std::string canonical(const std::string& text) {
    std::string out, word;
    for (char c : text + " ") {
        if (c != ' ' && c != ',' && c != '\t') {
            word += c;
            continue;
        }
        if (word.empty()) continue;
        const std::optional<double> v = parse_real(word);
        if (!v) return text;
        out += (out.empty() ? "" : " ") + format_real(*v);
        word.clear();
    }
    return out.empty() ? text : out;
}

std::string value_of(const FileAnalysis& f, const std::string& key) {
    const auto it = f.values.find(key);
    return it == f.values.end() ? std::string("(unset)") : canonical(it->second);
}

// Keys whose value differs between files, each with its set of values.
std::map<std::string, std::set<std::string>> varying_keys(const std::vector<FileAnalysis>& files) {
    std::set<std::string> keys;
    for (const FileAnalysis& f : files)
        for (const auto& [key, value] : f.values)
            if (!ignored(key)) keys.insert(key);
    std::map<std::string, std::set<std::string>> varying;
    for (const std::string& key : keys) {
        std::set<std::string> seen;
        for (const FileAnalysis& f : files)
            seen.insert(value_of(f, key));
        if (seen.size() > 1) varying[key] = seen;
    }
    return varying;
}

// The x axis: of the numeric varying keys the one with the most distinct values (ties: the
// first by name).
std::string choose_coupling(const std::map<std::string, std::set<std::string>>& varying) {
    std::string best;
    std::size_t most = 0;
    for (const auto& [key, values] : varying) {
        const bool numeric = std::all_of(values.begin(), values.end(), [](const std::string& v) {
            return parse_real(v).has_value();
        });
        if (numeric && values.size() > most) {
            best = key;
            most = values.size();
        }
    }
    return best;
}

double volume_of(const std::vector<std::int64_t>& dims) {
    double v = 1.0;
    for (std::int64_t l : dims)
        v *= static_cast<double>(l);
    return v;
}

std::vector<ScanCurve> build_curves(const std::vector<FileAnalysis>& files,
                                    const ScanAnalysis& scan) {
    std::vector<ScanCurve> curves;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const FileAnalysis& f = files[i];
        std::map<std::string, std::string> others;
        for (const std::string& key : scan.other_keys)
            others[key] = value_of(f, key);
        auto it = std::find_if(curves.begin(), curves.end(), [&](const ScanCurve& c) {
            return c.dims == f.dims && c.others == others;
        });
        if (it == curves.end()) {
            ScanCurve c;
            c.dims = f.dims;
            c.others = others;
            c.label = f.size_label();
            for (const auto& [key, value] : others)
                c.label += " " + key + "=" + value;
            curves.push_back(c);
            it = curves.end() - 1;
        }
        const double x = scan.coupling.empty() ? nan : *parse_real(value_of(f, scan.coupling));
        it->points.push_back({x, i});
    }
    for (ScanCurve& c : curves)
        std::stable_sort(c.points.begin(), c.points.end(),
                         [](const ScanPoint& a, const ScanPoint& b) { return a.x < b.x; });
    std::stable_sort(curves.begin(), curves.end(), [](const ScanCurve& a, const ScanCurve& b) {
        if (a.others != b.others) return a.others < b.others;
        return volume_of(a.dims) < volume_of(b.dims);
    });
    return curves;
}

// The Binder values of a curve at the given x (NaN where it has no usable value).
struct BinderCurve {
    std::vector<double> y, error;
};

BinderCurve binder_at(const ScanCurve& c, const std::vector<FileAnalysis>& files,
                      const std::vector<double>& xs) {
    BinderCurve b;
    for (double x : xs) {
        double y = nan, e = nan;
        const auto p = std::find_if(c.points.begin(), c.points.end(),
                                    [&](const ScanPoint& q) { return q.x == x; });
        if (p != c.points.end())
            if (const Estimate* u = files[p->file].find("binder")) {
                y = u->value;
                e = u->error;
            }
        b.y.push_back(y);
        b.error.push_back(e);
    }
    return b;
}

double interpolate(std::span<const double> x, std::span<const double> y, std::size_t i, double at) {
    const double w = (at - x[i]) / (x[i + 1] - x[i]);
    return (1.0 - w) * y[i] + w * y[i + 1];
}

double det3(const double m[3][3]) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

// A curve's value at `at` in the bracket [x_i, x_{i+1}]: the weighted least-squares parabola
// through the four points around the bracket (shifted inwards at the ends of the range; three
// points: the interpolating parabola), as stats::find_crossing fits the difference; linear with
// two points. Near the transition U(x) bends strongly, and a chord would lie below the curve by
// about h²|U''|/8 (~0.01 for 64² at h = 0.02).
double curve_at(std::span<const double> x, const BinderCurve& c, std::size_t i, double at) {
    const std::size_t n = x.size();
    if (n < 3) return interpolate(x, c.y, i, at);
    const std::size_t first = std::min(i > 0 ? i - 1 : 0, n >= 4 ? n - 4 : 0);
    const std::size_t last = std::min(n - 1, first + 3);
    const double h = x[i + 1] - x[i];
    // Normal equations of y = a0 + a1 t + a2 t², t = (x - at)/h: the value at `at` is a0.
    double m[3][3] = {}, r[3] = {};
    for (std::size_t k = first; k <= last; ++k) {
        const double w = c.error[k] > 0.0 ? 1.0 / (c.error[k] * c.error[k]) : 1.0;
        const double t = (x[k] - at) / h, powers[3] = {1.0, t, t * t};
        for (int p = 0; p < 3; ++p) {
            r[p] += w * powers[p] * c.y[k];
            for (int q = 0; q < 3; ++q)
                m[p][q] += w * powers[p] * powers[q];
        }
    }
    const double det = det3(m);
    if (!(std::abs(det) > 1e-12 * std::abs(m[0][0] * m[1][1] * m[2][2])))
        return interpolate(x, c.y, i, at);
    double m0[3][3];
    for (int p = 0; p < 3; ++p) {
        m0[p][0] = r[p];
        m0[p][1] = m[p][1];
        m0[p][2] = m[p][2];
    }
    return det3(m0) / det;
}

// U at the crossing: the mean of both curves at x*.
double binder_at_crossing(std::span<const double> x, const BinderCurve& a, const BinderCurve& b,
                          const stats::Crossing& c) {
    return 0.5 * (curve_at(x, a, c.lower_index, c.x) + curve_at(x, b, c.lower_index, c.x));
}

// σ(U*) by a parametric bootstrap: every point moved by its own Gaussian error, the crossing
// and U* found again; the spread of U* over the resamples. Deterministic (fixed seed).
double binder_crossing_error(std::span<const double> x, const BinderCurve& a, const BinderCurve& b,
                             std::size_t& failed) {
    constexpr int resamples = 400;
    std::mt19937_64 rng(20000551);
    const auto gauss = [&] { // Box-Muller from 53-bit uniforms: the same on every platform
        const double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
        const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    };
    std::vector<double> values;
    failed = 0;
    for (int r = 0; r < resamples; ++r) {
        BinderCurve ra = a, rb = b;
        for (std::size_t i = 0; i < x.size(); ++i) {
            ra.y[i] += a.error[i] * gauss();
            rb.y[i] += b.error[i] * gauss();
        }
        const stats::CrossingResult c = stats::find_crossing(x, {ra.y, ra.error}, {rb.y, rb.error});
        if (!c.crossing) {
            ++failed;
            continue;
        }
        values.push_back(binder_at_crossing(x, ra, rb, *c.crossing));
    }
    if (values.size() < 2) return nan;
    double mean = 0.0, ss = 0.0;
    for (double v : values)
        mean += v / static_cast<double>(values.size());
    for (double v : values)
        ss += (v - mean) * (v - mean);
    return std::sqrt(ss / static_cast<double>(values.size() - 1));
}

ScanCrossing crossing_of(const ScanCurve& small, const ScanCurve& large,
                         const std::vector<FileAnalysis>& files) {
    ScanCrossing out;
    out.small = small.label;
    out.large = large.label;
    // The common x where both curves have a Binder value with an error.
    std::vector<double> xs;
    for (const ScanPoint& p : small.points)
        for (const ScanPoint& q : large.points)
            if (p.x == q.x && (xs.empty() || xs.back() != p.x)) xs.push_back(p.x);
    const BinderCurve a0 = binder_at(small, files, xs), b0 = binder_at(large, files, xs);
    std::vector<double> x;
    BinderCurve a, b;
    for (std::size_t i = 0; i < xs.size(); ++i)
        if (std::isfinite(a0.y[i]) && std::isfinite(a0.error[i]) && std::isfinite(b0.y[i]) &&
            std::isfinite(b0.error[i])) {
            x.push_back(xs[i]);
            a.y.push_back(a0.y[i]);
            a.error.push_back(a0.error[i]);
            b.y.push_back(b0.y[i]);
            b.error.push_back(b0.error[i]);
        }
    if (x.size() < 2) {
        out.note = "fewer than 2 couplings where both sizes have a Binder cumulant with an error";
        return out;
    }
    const stats::CrossingResult r = stats::find_crossing(x, {a.y, a.error}, {b.y, b.error});
    out.sign_changes = r.n_sign_changes;
    if (!r.crossing) {
        out.note = "no crossing in the scanned range [" + std::to_string(x.front()) + ", " +
                   std::to_string(x.back()) + "]: U(" + small.label + ") - U(" + large.label +
                   ") keeps its sign";
        return out;
    }
    out.found = true;
    out.x = r.crossing->x;
    out.x_error = r.crossing->error;
    out.method = r.crossing->method == stats::Interpolation::quadratic ? "quadratic" : "linear";
    out.binder = binder_at_crossing(x, a, b, *r.crossing);
    std::size_t failed = 0;
    out.binder_error = binder_crossing_error(x, a, b, failed);
    if (r.n_sign_changes > 1)
        out.note = std::to_string(r.n_sign_changes) +
                   " sign changes: the curves are close over "
                   "a stretch; the most significant one is given";
    if (failed > 0)
        out.note += std::string(out.note.empty() ? "" : "; ") + std::to_string(failed) +
                    " of 400 resamples for the error of U* had no crossing";
    return out;
}

} // namespace

ScanAnalysis analyze_scan(const std::vector<FileAnalysis>& files) {
    ScanAnalysis scan;
    const auto varying = varying_keys(files);
    scan.coupling = choose_coupling(varying);
    for (const auto& [key, values] : varying)
        if (key != scan.coupling) scan.other_keys.push_back(key);
    scan.curves = build_curves(files, scan);
    if (scan.coupling.empty()) {
        if (files.size() > 1)
            scan.notes.push_back("no numeric deck key varies over the files: no "
                                 "scan table and no crossings");
        return scan;
    }
    for (const ScanCurve& c : scan.curves)
        for (std::size_t i = 1; i < c.points.size(); ++i)
            if (c.points[i].x == c.points[i - 1].x)
                scan.notes.push_back(
                    c.label + ": two files at " + scan.coupling + " = " +
                    std::to_string(c.points[i].x) + " (" + files[c.points[i - 1].file].source +
                    ", " + files[c.points[i].file].source + "); the crossing uses the first");
    for (std::size_t i = 0; i + 1 < scan.curves.size(); ++i) {
        const ScanCurve &a = scan.curves[i], &b = scan.curves[i + 1];
        if (a.others != b.others) continue;
        if (a.points.size() < 2 || b.points.size() < 2) continue;
        scan.crossings.push_back(crossing_of(a, b, files));
    }
    return scan;
}

} // namespace ssbsim::analysis
