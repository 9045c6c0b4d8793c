// `ssbsim analyze`, per file: reading an output, the thermalisation cut, Γ-method estimates of
// every column and Γ-method estimates of the derived quantities (analyze.hpp).
#include "ssbsim/analysis/analyze.hpp"

#include "ssbsim/analysis/bias.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/live_read.hpp"
#include "ssbsim/io/series.hpp"
#include "ssbsim/measure/observables.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <malloc.h>
#include <numeric>
#include <set>
#include <sstream>

namespace ssbsim::analysis {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Columns the derived quantities and the thermalisation cut need; a file without one of them
// cannot be analysed.
const char* const required_columns[] = {
    "abs_magnetization",     "magnetization2",   "magnetization4", "action",
    "structure_factor_zero", "structure_factor", "temperature"};

// Observables the automatic cut looks at: the action density equilibrates with the short modes,
// |M| with the slowest one (and is blind to Z2 tunnelling); the largest cut wins.
const char* const thermalisation_columns[] = {"action", "phi2", "abs_magnetization"};

std::vector<Boundary> parse_boundary(const std::vector<std::string>& words, std::size_t axes,
                                     const std::string& path) {
    std::vector<Boundary> b;
    for (const std::string& w : words) {
        if (w == "periodic")
            b.push_back(Boundary::periodic);
        else if (w == "open" || w == "mean") // a mean-field axis has no momentum, like open
            b.push_back(Boundary::open);
        else
            throw InputError(path + ": boundary '" + w + "' is not understood");
    }
    if (b.size() == 1) b.resize(axes, b.front());
    if (b.size() != axes)
        throw InputError(path + ": " + std::to_string(b.size()) + " boundaries for its " +
                         std::to_string(axes) + " axes");
    return b;
}

// The boundary of each axis: the writer records it with the per-axis observables; files without
// that attribute have it in their deck.
std::vector<Boundary> boundary_of(const h5::Group& obs, const RunData& run, const Config& config) {
    const h5::Dataset s = obs.open_dataset("structure_factor");
    if (s.has_attr("boundary"))
        return parse_boundary(s.read_attr_strings("boundary"), run.dims.size(), run.source);
    std::vector<Boundary> b = config.lattice.boundary;
    const std::vector<CouplingKind>& kinds = config.action.coupling_kind;
    for (std::size_t mu = 0; mu < b.size() && mu < kinds.size(); ++mu)
        if (kinds[mu] == CouplingKind::mean) b[mu] = Boundary::open; // as the writer's "mean"
    return b;
}

// The run's deck, typed: a resolved deck, so it validates unless another version wrote it.
Config recorded_config(const std::string& deck, const std::string& path) {
    try {
        return load_deck_text(deck, {}, path);
    } catch (const InputError& e) {
        throw InputError(path + ": its recorded deck does not parse: " + e.what());
    }
}

Column read_column(const h5::Dataset& d) {
    Column c;
    const std::vector<std::uint64_t> shape = d.shape();
    if (shape.size() > 1) c.row_shape.assign(shape.begin() + 1, shape.end());
    c.values = d.read_double();
    return c;
}

// Keeps the rows that were completely written: a run killed during a flush can leave rows that
// were extended but never filled (their step is not increasing; docs/output.md). The columns are
// views of one table, so they have the step's row count.
void drop_unwritten_rows(RunData& run) {
    const std::size_t rows = committed_rows(run.step);
    if (rows == run.step.size()) return;
    run.warnings.push_back(std::to_string(run.step.size() - rows) +
                           " row(s) at the end were never completely written (the run was "
                           "killed during a flush?); using the first " +
                           std::to_string(rows) + " rows");
    run.step.resize(rows);
    for (auto& [name, c] : run.columns)
        c.values.resize(rows * c.width());
}

void read_contents(const h5::Group& root, RunData& run) {
    const std::string& path = run.source;
    if (!root.has_attr("deck") || !root.has_attr("dims") || !root.exists("observables/step"))
        throw InputError(path + ": not an ssbsim output (no deck or dims attribute, or no "
                                "/observables/step dataset)");
    run.deck = root.read_attr_string("deck");
    run.dims = root.read_attr_int64s("dims");
    run.components =
        root.has_attr("components") ? static_cast<int>(root.read_attr_int64("components")) : 1;
    const Config config = recorded_config(run.deck, path);
    run.values = config.key_values;
    run.planned_steps = config.dynamics.steps;
    const h5::Group obs = root.open_group("observables");
    for (const char* name : required_columns)
        if (!obs.exists(name))
            throw InputError(path + ": dataset /observables/" + name +
                             " is missing (written by an older ssbsim, or not an ssbsim run "
                             "output); it is needed for the analysis");
    run.boundary = boundary_of(obs, run, config);
    if (root.exists("records/observables")) {  // the table in one pass (series.hpp): fast
        std::vector<std::string> not_averaged; // functions of distance (column_estimates)
        for (const ObservableSpec& spec : observable_specs())
            if (spec.shape == Shape::axes_by_extent) not_averaged.push_back(spec.name);
        SeriesData data = read_series(root, "observables", not_averaged);
        run.step = std::move(data.steps);
        for (auto& [name, c] : data.columns)
            run.columns[name] = Column{std::move(c.row_shape), std::move(c.values)};
        return;
    }
    run.step = obs.open_dataset("step").read_int64();
    for (const std::string& name : obs.children())
        if (name != "step") run.columns[name] = read_column(obs.open_dataset(name));
}

// Replicas are independent chains of one ensemble: analysing them together (as pyerrors does for
// replica ensembles) uses every sample instead of replica 0's alone. Each /replicas column
// [n, R, ...] becomes R blocks of n rows; `time` (in /observables only) is repeated per block.
// A killed writer can leave the two tables with different committed rows: the shorter wins.
void combine_replicas(const h5::Group& root, RunData& run) {
    const auto r = root.has_attr("replicas") ? root.read_attr_int64("replicas") : 1;
    if (r < 2 || !root.exists("replicas/step")) return;
    const h5::Group rep = root.open_group("replicas");
    const std::size_t n =
        std::min(run.step.size(), committed_rows(rep.open_dataset("step").read_int64()));
    const auto replicas = static_cast<std::size_t>(r);
    for (auto& [name, c] : run.columns) {
        const std::size_t w = c.width();
        std::vector<double> blocks;
        blocks.reserve(replicas * n * w);
        if (!rep.exists(name)) {
            for (std::size_t k = 0; k < replicas; ++k)
                blocks.insert(blocks.end(), c.values.begin(),
                              c.values.begin() + static_cast<std::ptrdiff_t>(n * w));
        } else {
            const Column all = read_column(rep.open_dataset(name)); // [rows, R, row_shape]
            for (std::size_t k = 0; k < replicas; ++k)
                for (std::size_t i = 0; i < n; ++i) {
                    const auto at = static_cast<std::ptrdiff_t>((i * replicas + k) * w);
                    blocks.insert(blocks.end(), all.values.begin() + at,
                                  all.values.begin() + at + static_cast<std::ptrdiff_t>(w));
                }
        }
        c.values = std::move(blocks);
    }
    run.step.resize(n);
    run.replicas = static_cast<int>(r);
}

bool is_constant(const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

bool all_finite(const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

double mean_of(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::string number(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

// Rows [skip, end) of one entry of a column, of every replica, chained.
std::vector<double> used(const RunData& run, const Column& c, std::size_t index, std::size_t skip) {
    const std::vector<double> all = c.entry(index);
    const std::size_t n = run.step.size();
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(run.replicas) * (n - skip));
    for (std::size_t r = 0; r < static_cast<std::size_t>(run.replicas); ++r)
        out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(r * n + skip),
                   all.begin() + static_cast<std::ptrdiff_t>((r + 1) * n));
    return out;
}

Estimate gamma_estimate(const std::string& name, const std::vector<double>& series) {
    Estimate e;
    e.name = name;
    e.method = "gamma";
    e.n_samples = series.size();
    e.tau_int = e.tau_int_error = e.n_effective = nan;
    if (!all_finite(series)) {
        e.value = e.error = nan;
        e.note = "contains NaN or inf values";
        return e;
    }
    if (is_constant(series)) {
        e.method = "constant";
        e.value = series.front();
        e.error = 0.0; // exact: nothing fluctuates
        e.note = "constant over the samples";
        return e;
    }
    try {
        const stats::GammaResult r = stats::gamma_method(series);
        e.value = r.mean;
        e.error = r.error;
        e.tau_int = r.tau_int;
        e.tau_int_error = r.tau_int_error;
        e.n_effective = r.n_effective;
    } catch (const InputError& ex) {
        e.value = mean_of(series);
        e.error = nan;
        e.note = std::string("no error estimate: ") + ex.what();
    }
    return e;
}

Estimate parameter_estimate(const std::string& name, const std::vector<double>& series,
                            std::vector<std::string>& warnings) {
    Estimate e;
    e.name = name;
    e.method = "parameter";
    e.n_samples = series.size();
    e.tau_int = e.tau_int_error = e.n_effective = nan;
    e.value = mean_of(series);
    if (is_constant(series)) {
        e.value = series.front();
        e.error = 0.0;
        return e;
    }
    const auto [lo, hi] = std::minmax_element(series.begin(), series.end());
    e.error = nan;
    e.note = "varies from " + number(*lo) + " to " + number(*hi) +
             " over the samples; value is "
             "its mean";
    if (name != "step_size") // flow_adaptive adapts its step: not a change of the ensemble
        warnings.push_back(name + " varies over the analysed samples (a schedule run): the "
                                  "averages mix different ensembles");
    return e;
}

std::string entry_name(const std::string& name, const Column& c, std::size_t i) {
    return c.width() == 1 && c.row_shape.empty() ? name : name + "[" + std::to_string(i) + "]";
}

const ObservableSpec* spec_of(const std::string& name) {
    for (const ObservableSpec& s : observable_specs())
        if (name == s.name) return &s;
    return nullptr;
}

// Columns in table order, then any the table does not know (a newer writer), by name.
std::vector<std::string> column_order(const RunData& run) {
    std::vector<std::string> order;
    for (const ObservableSpec& s : observable_specs())
        if (run.columns.count(s.name)) order.push_back(s.name);
    for (const auto& [name, c] : run.columns)
        if (!spec_of(name) && name != "time") order.push_back(name);
    return order;
}

void column_estimates(const RunData& run, std::size_t skip, FileAnalysis& fa) {
    for (const std::string& name : column_order(run)) {
        const ObservableSpec* spec = spec_of(name);
        // Functions of distance and per-configuration estimates that may be NaN are not
        // averaged here (analyze forms xi2 from the means of S instead).
        if (spec && (spec->kind == Kind::partial || spec->shape == Shape::axes_by_extent)) continue;
        const Column& c = run.columns.at(name);
        for (std::size_t i = 0; i < c.width(); ++i) {
            const std::vector<double> series = used(run, c, i, skip);
            if (spec && spec->kind == Kind::parameter)
                fa.estimates.push_back(
                    parameter_estimate(entry_name(name, c, i), series, fa.warnings));
            else
                fa.estimates.push_back(gamma_estimate(entry_name(name, c, i), series));
        }
    }
}

// The automatic cut: the largest MSER cut of the thermalisation columns (of every replica).
void automatic_cut(const RunData& run, FileAnalysis& fa) {
    fa.skip = 0;
    const std::size_t n = run.step.size();
    for (const char* name : thermalisation_columns) {
        if (!run.columns.count(name)) continue;
        const std::vector<double> all = run.columns.at(name).entry(0);
        stats::ThermalisationResult r;
        for (std::size_t k = 0; k < static_cast<std::size_t>(run.replicas); ++k) {
            const stats::ThermalisationResult one =
                stats::thermalisation_cut(std::span<const double>(all).subspan(k * n, n));
            r.cut = std::max(r.cut, one.cut);
            r.at_limit = r.at_limit || one.at_limit;
        }
        if (r.cut >= fa.skip) fa.skip = r.cut;
        if (r.at_limit) {
            fa.at_limit = true;
            fa.warnings.push_back(std::string(name) +
                                  " drifts over the whole run: the automatic "
                                  "thermalisation cut sits at its limit N/2, the run has probably "
                                  "not reached equilibrium (run longer)");
        }
    }
}

void choose_cut(const RunData& run, const Options& options, FileAnalysis& fa) {
    const std::size_t n = run.step.size();
    fa.skip_automatic = !options.skip.has_value();
    if (options.skip) {
        if (*options.skip >= n)
            throw InputError(run.source + ": --skip " + std::to_string(*options.skip) +
                             " leaves no measurements (the file has " + std::to_string(n) + ")");
        fa.skip = *options.skip;
    } else {
        if (n < min_samples)
            throw InputError(run.source + ": only " + std::to_string(n) +
                             " measurements, too few samples for the automatic thermalisation "
                             "cut and an error estimate (at least " +
                             std::to_string(min_samples) +
                             " are needed): run longer or measure more often");
        automatic_cut(run, fa);
    }
    if (n - fa.skip < min_samples)
        throw InputError(run.source + ": only " + std::to_string(n - fa.skip) +
                         " measurements remain after the thermalisation cut of " +
                         std::to_string(fa.skip) +
                         ", too few samples for an error estimate (at "
                         "least " +
                         std::to_string(min_samples) + " are needed): run longer");
}

// ---- derived quantities -------------------------------------------------------------------

struct Primaries {
    std::vector<std::vector<double>> series;
    stats::SeriesList list() const { return stats::as_series_list(series); }
};

Estimate derived_missing(const std::string& name, const std::string& note) {
    Estimate e;
    e.name = name;
    e.method = "gamma_derived";
    e.value = e.error = e.tau_int = e.tau_int_error = e.n_effective = nan;
    e.note = note;
    return e;
}

// Wolff's linearised estimator: f of the means, its error by the Γ-method on the projected series
// Σ_a ∂f/∂a (a_i − ā) (stats::gamma_method), whose τ_int is the derived quantity's own.
Estimate derived_estimate(const std::string& name, const Primaries& p,
                          const stats::DerivedQuantity& f) {
    try {
        const stats::GammaResult r = stats::gamma_method(p.list(), f);
        Estimate e = derived_missing(name, "");
        e.value = r.mean;
        e.error = r.error;
        e.tau_int = r.tau_int;
        e.tau_int_error = r.tau_int_error;
        e.n_effective = r.n_effective;
        e.n_samples = r.n_samples;
        return e;
    } catch (const InputError& ex) {
        return derived_missing(name, ex.what());
    }
}

// ξ₂ from the estimate of ξ₂² (always finite where S(k_min) > 0); σ(ξ₂) = σ(ξ₂²) / (2 ξ₂).
Estimate xi2_estimate(const RunData& run, const Primaries& p) {
    const std::vector<std::int64_t> extents = run.dims;
    const std::vector<Boundary> boundary = run.boundary;
    const stats::DerivedQuantity f = [&](std::span<const double> means) {
        return second_moment_xi_squared(means[0], means.subspan(1), extents, boundary);
    };
    Estimate sq = derived_estimate("xi2", p, f);
    if (!std::isfinite(sq.value)) {
        if (sq.note.empty() || sq.note.find("not finite") != std::string::npos)
            sq.note = "undefined: no periodic axis, or S(k_min) = 0";
        return sq;
    }
    Estimate e = sq;
    if (sq.value <= 0.0) {
        e.value = e.error = nan;
        e.note = "undefined: xi2^2 = " + number(sq.value) + " +- " + number(sq.error) +
                 " is not positive (<S(0)> <= <S(k_min)>: no correlation resolved)";
        return e;
    }
    e.value = std::sqrt(sq.value);
    e.error = sq.error / (2.0 * e.value);
    e.note = "from <S(0)>, <S(k_min)>; error propagated from xi2^2 = " + number(sq.value) + " +- " +
             number(sq.error);
    return e;
}

Estimate specific_heat_estimate(const RunData& run, std::size_t skip, double volume) {
    const std::vector<double> t = used(run, run.columns.at("temperature"), 0, skip);
    if (!is_constant(t)) return derived_missing("specific_heat", "temperature varies (a schedule)");
    const double temperature = t.front();
    if (!(temperature > 0.0))
        return derived_missing("specific_heat", "T = 0 (gradient flow): no equilibrium ensemble");
    // Shifting e by its mean leaves the variance unchanged and avoids cancellation in <e²> − <e>².
    Primaries p;
    std::vector<double> e = used(run, run.columns.at("action"), 0, skip);
    const double shift = mean_of(e);
    for (double& x : e)
        x -= shift;
    std::vector<double> e2(e.size());
    std::transform(e.begin(), e.end(), e2.begin(), [](double x) { return x * x; });
    p.series = {e, e2};
    Estimate c = derived_estimate("specific_heat", p, [&](std::span<const double> m) {
        return volume * (m[1] - m[0] * m[0]) / (temperature * temperature);
    });
    if (c.note.empty()) c.note = "V (<e^2> - <e>^2) / T^2, e = S/V";
    return c;
}

void derived_estimates(const RunData& run, std::size_t skip, FileAnalysis& fa) {
    const int n = run.components;
    const double volume = run.volume();
    const auto col = [&](const char* name, std::size_t i = 0) {
        return used(run, run.columns.at(name), i, skip);
    };
    Primaries moments{{col("magnetization2"), col("magnetization4")}};
    fa.estimates.push_back(derived_estimate(
        "binder", moments, [](std::span<const double> m) { return binder(m[0], m[1]); }));
    if (n > 1)
        fa.estimates.push_back(
            derived_estimate("binder_on", moments,
                             [n](std::span<const double> m) { return binder_on(m[0], m[1], n); }));
    Primaries chi{{col("magnetization2"), col("abs_magnetization")}};
    fa.estimates.push_back(derived_estimate("chi", chi, [volume](std::span<const double> m) {
        return susceptibility(m[0], m[1], volume);
    }));
    Primaries s{{col("structure_factor_zero")}};
    for (std::size_t mu = 0; mu < run.dims.size(); ++mu)
        s.series.push_back(col("structure_factor", mu));
    fa.estimates.push_back(xi2_estimate(run, s));
    fa.estimates.push_back(specific_heat_estimate(run, skip, volume));
}

// The Metropolis record of hmc, mala and fa_hmc: the acceptance rate and Creutz's identity
// <e^{-ΔH}> = 1, which holds exactly in equilibrium and so tests the sampler and the run's
// thermalisation at once. Records without a proposal (the start, ssbsim measure) are NaN and
// left out; a run of another method has no finite record and gets no rows.
void metropolis_estimates(const RunData& run, std::size_t skip, FileAnalysis& fa) {
    const auto finite_rows = [&](const char* name) {
        std::vector<double> v;
        if (!run.columns.count(name)) return v;
        for (double x : used(run, run.columns.at(name), 0, skip))
            if (std::isfinite(x)) v.push_back(x);
        return v;
    };
    const std::vector<double> accepted = finite_rows("accepted");
    if (accepted.size() < min_samples) return;
    Estimate rate = gamma_estimate("accepted", accepted);
    rate.note = "the acceptance rate of the Metropolis test";
    fa.estimates.push_back(rate);
    Estimate dh = gamma_estimate("delta_h", finite_rows("delta_h"));
    dh.note = "<Delta H / T> of the proposals (> 0, -> 0 as the step -> 0)";
    fa.estimates.push_back(dh);
    Estimate creutz = gamma_estimate("exp_minus_delta_h", finite_rows("exp_minus_delta_h"));
    creutz.note = "Creutz: exactly 1 in equilibrium";
    fa.estimates.push_back(creutz);
    if (rate.value == 0.0)
        fa.warnings.push_back("the Metropolis test rejected every proposal after the cut: the "
                              "chain is frozen and its averages describe the start, not "
                              "e^(-S/T). Lower dynamics.step, or start near equilibrium (a "
                              "cold start at the minimum; a hot start has Delta H ~ V)");
    else if (rate.value < metropolis_low_acceptance)
        fa.warnings.push_back("acceptance rate " + number(rate.value) +
                              ": most proposals are rejected, so successive samples are "
                              "strongly correlated; lower dynamics.step");
    if (std::isfinite(creutz.error) && creutz.error > 0.0 &&
        std::abs(creutz.value - 1.0) > creutz_sigmas * creutz.error)
        fa.warnings.push_back("Creutz's identity fails: <exp(-Delta H)> = " + number(creutz.value) +
                              " +- " + number(creutz.error) + " differs from 1 by more than " +
                              number(creutz_sigmas) +
                              " sigma: the analysed samples are not in equilibrium (a longer "
                              "thermalisation cut: --skip) or the molecular dynamics is not "
                              "reversible");
}

// The Schwinger-Dyson check of the sampler (bias.hpp), on equilibrium ensembles only: T > 0 and
// the step constant over the analysed samples.
void check_step_size_bias(FileAnalysis& fa) {
    const Estimate* sd = fa.find("schwinger_dyson");
    const Estimate* t = fa.find("temperature");
    const Estimate* eps = fa.find("step_size");
    if (!sd || !t || !eps) return;
    const auto constant = [](const Estimate* e) { return e->error == 0.0; };
    analysis::SamplerSettings settings;
    const auto method = fa.values.find("dynamics.method");
    settings.method = method == fa.values.end() ? "" : method->second;
    settings.step = eps->value;
    settings.equilibrium = constant(t) && t->value > 0.0 && constant(eps);
    if (const auto message = schwinger_dyson_bias(sd->value, sd->error, settings)) {
        fa.step_size_bias = true;
        fa.warnings.push_back(*message);
    }
}

void final_values(const RunData& run, FileAnalysis& fa) {
    const std::size_t last = run.step.size() - 1;
    for (const char* name :
         {"time", "abs_magnetization", "action", "temperature", "m2", "xi2", "domain_walls"})
        if (run.columns.count(name)) fa.final_values[name] = run.columns.at(name).entry(0).at(last);
}

} // namespace

std::size_t Column::width() const {
    std::size_t w = 1;
    for (std::uint64_t e : row_shape)
        w *= static_cast<std::size_t>(e);
    return w;
}

std::vector<double> Column::entry(std::size_t index) const {
    const std::size_t w = width(), n = rows();
    std::vector<double> out(n);
    for (std::size_t r = 0; r < n; ++r)
        out[r] = values[r * w + index];
    return out;
}

double RunData::volume() const {
    double v = 1.0;
    for (std::int64_t l : dims)
        v *= static_cast<double>(l);
    return v;
}

RunData read_run(const std::string& path) {
    // The analysis makes and drops series of up to 10^7 doubles; glibc would map each from the
    // kernel and unmap it again (fresh zeroed pages every time: a third of the run time on long
    // files). Kept in the heap instead, they are reused. A process-wide setting, harmless here.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
    if (!h5::is_hdf5(path))
        throw InputError(path + ": not an HDF5 file (or truncated before its header)");
    RunData run;
    try {
        run = read_retrying([&] { // the file may be in the middle of a flush (live_read.hpp)
            RunData r;
            r.source = path;
            const h5::File file = h5::File::open_read(path);
            read_contents(file.root(), r);
            if (r.step.empty()) throw InputError(path + ": holds no measurements");
            drop_unwritten_rows(r);
            combine_replicas(file.root(), r);
            return r;
        });
    } catch (const IoError& e) {
        throw InputError(path + ": cannot be read (a truncated or damaged file?): " + e.what());
    }
    if (run.planned_steps > 0 && run.step.back() < run.planned_steps)
        run.warnings.push_back("incomplete run: the last measurement is at step " +
                               std::to_string(run.step.back()) +
                               " of dynamics.steps = " + std::to_string(run.planned_steps) +
                               " (still running, or interrupted: ssbsim run DECK --resume); "
                               "analysing the measurements present");
    return run;
}

bool is_checkpoint_file(const std::string& path) {
    try {
        if (!h5::is_hdf5(path)) return false;
        const h5::File file = h5::File::open_read(path);
        const h5::Group root = file.root();
        return root.has_attr("next_eps") && !root.exists("observables");
    } catch (const IoError&) {
        return false; // read_run will say what is wrong with it
    }
}

const Estimate* FileAnalysis::find(const std::string& name) const {
    for (const Estimate& e : estimates)
        if (e.name == name) return &e;
    return nullptr;
}

std::string FileAnalysis::size_label() const {
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i)
        s += (i ? "x" : "") + std::to_string(dims[i]);
    return s;
}

FileAnalysis analyze_run(const RunData& run, const Options& options) {
    FileAnalysis fa;
    fa.source = run.source;
    fa.dims = run.dims;
    fa.components = run.components;
    fa.values = run.values;
    fa.measurements = run.step.size();
    fa.replicas = run.replicas;
    fa.warnings = run.warnings;
    try {
        choose_cut(run, options, fa);
    } catch (const InputError& e) {
        const std::string what = e.what();
        if (what.rfind(run.source, 0) == 0) throw;
        throw InputError(run.source + ": " + what);
    }
    fa.first_step = run.step[fa.skip];
    fa.last_step = run.step.back();
    column_estimates(run, fa.skip, fa);
    metropolis_estimates(run, fa.skip, fa);
    check_step_size_bias(fa);
    derived_estimates(run, fa.skip, fa);
    final_values(run, fa);
    return fa;
}

double binder(double m2, double m4) {
    return 1.0 - m4 / (3.0 * m2 * m2);
}

double binder_on(double m2, double m4, int components) {
    const double n = components;
    return 1.0 - n * m4 / ((n + 2.0) * m2 * m2);
}

double susceptibility(double m2, double abs_m, double volume) {
    return volume * (m2 - abs_m * abs_m);
}

} // namespace ssbsim::analysis
