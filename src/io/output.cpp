#include "ssbsim/io/output.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/version.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

namespace ssbsim {

namespace {

constexpr std::uint64_t chunk_records = 256;
// Records wait in memory at most this long before reaching the disk (docs/output.md).
constexpr std::chrono::seconds flush_interval{10};

// Per-axis observables say which axis is which and what its boundary is (a momentum on a
// periodic axis; ssbsim analyze forms xi2 from the periodic ones).
// A mean-field axis is "mean": its sites are permutable, so it has neither momentum nor links.
void describe_axes(h5::Dataset& d, const Lattice& lattice, const ActionParams& action,
                   Shape shape) {
    std::vector<std::string> boundary;
    for (int mu = 0; mu < lattice.dims(); ++mu)
        boundary.push_back(action.kind[mu] == CouplingKind::mean ? "mean"
                           : lattice.periodic(mu)                ? "periodic"
                                                                 : "open");
    d.write_attr("boundary", boundary);
    if (shape == Shape::axes)
        d.set_dimension_labels({"measurement", "axis"});
    else
        d.set_dimension_labels({"measurement", "axis", "distance"});
}

// Both parametrisations of the action, so a file can be compared with either literature.
void write_parameters(h5::Group g, const Config& config, const Lattice& lattice) {
    const int d = lattice.dims();
    const ActionParams m = resolve_action(config.action, d, config.field.components);
    g.write_attr("description",
                 std::string("action parameters in both forms; the simulation runs the mass form "
                             "S = sum_x [sum_mu J_mu/2 |phi_{x+mu}-phi_x|^2 + m2/2 |phi|^2 + "
                             "lambda/4 |phi|^4 - h.phi]"));
    g.write_attr("form", std::string(config.action.form == ActionForm::mass ? "mass" : "hopping"));
    g.write_attr("m2", m.m2);
    g.write_attr("lambda", m.lambda);
    g.write_attr("coupling", std::vector<double>(m.coupling.begin(), m.coupling.begin() + d));
    std::vector<std::string> kinds;
    for (int mu = 0; mu < d; ++mu)
        kinds.push_back(m.kind[mu] == CouplingKind::mean ? "mean" : "nearest");
    g.write_attr("coupling_kind", kinds);
    g.write_attr("h", m.h);
    bool uniform = m.coupling[0] > 0.0 && !m.has_mean_axis(d);
    for (int mu = 0; mu < d; ++mu)
        uniform = uniform && m.coupling[mu] == m.coupling[0];
    if (uniform) {
        const HoppingParams k = hopping_from_mass(m, d);
        g.write_attr("kappa", k.kappa);
        g.write_attr("lambda_hopping", k.lambda);
        g.write_attr("h_hopping", k.h);
        g.write_attr("hopping_field_scale",
                     hopping_field_scale(k.kappa) / std::sqrt(m.coupling[0]));
        g.write_attr("hopping_note",
                     std::string("phi_mass = hopping_field_scale * phi_hopping; exact on periodic "
                                 "lattices"));
    }
}

// The columns of one group, in record order: every observable (replicas > 1: with a replica
// dimension after the measurement one).
std::vector<ColumnSpec> observable_columns(const Lattice& lattice, int components, int replicas) {
    std::vector<ColumnSpec> columns;
    const RecordLayout layout(lattice, components);
    for (const ObservableSpec& s : observable_specs()) {
        std::vector<std::uint64_t> shape = layout.row_shape(s);
        if (replicas > 1) shape.insert(shape.begin(), static_cast<std::uint64_t>(replicas));
        columns.push_back({s.name, shape, s.units, s.description});
    }
    return columns;
}

const ColumnSpec time_column{
    "time", {}, "lattice units", "training time t = sum of the step sizes epsilon so far"};

// With action.form = hopping: the hopping-form action density, last in /observables (so every
// other column keeps its place in the table).
const ColumnSpec hopping_action_column{
    "action_hopping",
    {},
    "lattice units",
    "hopping-form action density S_K/V = action + lambda_hopping (the action column is the mass "
    "form S/V = S_K/V - lambda_K); action.form = hopping only"};

std::optional<double> hopping_lambda(const Config& config) {
    if (config.action.form != ActionForm::hopping) return std::nullopt;
    return config.action.lambda; // lambda_K in the hopping form
}

std::vector<ColumnSpec> replica_columns(const Lattice& lattice, const Config& c) {
    std::vector<ColumnSpec> columns =
        observable_columns(lattice, c.field.components, c.run.replicas);
    columns.push_back({"overlap",
                       {},
                       "1",
                       "replica overlap q_ab = sum_x phi^a.phi^b / sqrt(sum|phi^a|^2 "
                       "sum|phi^b|^2), averaged over pairs a < b"});
    columns.push_back({"distance",
                       {},
                       "lattice units",
                       "replica distance d_ab = V^-1 sum_x |phi^a - phi^b|^2, averaged over "
                       "pairs a < b"});
    return columns;
}

std::vector<ColumnSpec> layer_columns(const Config& c) {
    const auto depth = static_cast<std::uint64_t>(c.network.depth);
    const auto n = static_cast<std::uint64_t>(c.field.components);
    return {
        {"magnetization", {depth, n}, "lattice units", "per-layer mean weight M_l (replica 0)"},
        {"abs_magnetization", {depth}, "lattice units", "|M_l| per layer"},
        {"diversity",
         {depth},
         "lattice units",
         "neuron diversity D_l = V_l^-1 sum_{i,k} |phi_{l,i,k} - mean_i phi_{l,.,k}|^2 "
         "(0 exactly when all neurons of the layer are identical)"},
        {"grad_variance",
         {depth},
         "lattice units",
         "variance over the layer's sites of dS/dphi, summed over components"},
    };
}

// ---- named dimensions (docs/output.md, "Dimensions") ------------------------------------------
// Every dataset of the row groups gets HDF5 dimension scales (the netCDF-4 model), so that
// xarray with h5netcdf shows `step` as the index (and `time` as a coordinate) and names every
// other axis. Attached once, at creation and before the first flush: later writes never touch
// this metadata (crash safety), and a writer in SWMR mode could not add it later.

// Root-level netCDF dimensions (length and name), made on first use; every group sees them.
class Dimensions {
  public:
    explicit Dimensions(h5::Group& root) : root_(root) {}
    const h5::Dataset& get(const std::string& name, std::uint64_t length) {
        auto it = made_.find(name);
        if (it == made_.end()) {
            h5::Dataset d = root_.create_dimension(name, length);
            d.write_attr("units", std::string("1"));
            d.write_attr("description", "index along the dimension '" + name +
                                            "' (a netCDF dimension; docs/output.md)");
            it = made_.emplace(name, std::move(d)).first;
        }
        // Another length under the same name (say, fewer saved replicas than run): a name of its
        // own.
        if (it->second.shape().front() != length)
            return get(name + "_" + std::to_string(length), length);
        return it->second;
    }

  private:
    h5::Group& root_;
    std::map<std::string, h5::Dataset> made_;
};

// Names of the lattice axes as dimensions: the deck's axis names, unless one is taken by a
// dataset, a group or another dimension (then "axis_<name>").
std::vector<std::string> lattice_dimension_names(const Config& config) {
    static const std::set<std::string> taken = {
        "step",       "time",   "field",   "replica",  "component",      "axis",     "separation",
        "parameters", "layers", "records", "analysis", "configurations", "replicas", "observables"};
    std::vector<std::string> names;
    for (const std::string& n : config.lattice.axis_names)
        names.push_back(taken.count(n) ? "axis_" + n : n);
    return names;
}

// Dimension names after `step` of a dataset of a row group.
std::vector<std::string> dimension_names(const std::string& group, const std::string& name,
                                         const std::vector<std::string>& lattice) {
    if (group == "configurations") {
        if (name != "field" && name != "replica_field") return {};
        std::vector<std::string> names = lattice;
        names.push_back("component");
        if (name == "replica_field") names.insert(names.begin(), "replica");
        return names;
    }
    if (group == "layers") {
        if (name == "magnetization") return {"layer", "component"};
        return {"layer"};
    }
    std::vector<std::string> names;
    if (group == "replicas" && name != "overlap" && name != "distance") names.push_back("replica");
    for (const ObservableSpec& s : observable_specs())
        if (name == s.name) {
            if (s.shape == Shape::components) names.push_back("component");
            if (s.shape == Shape::axes || s.shape == Shape::axes_by_extent) names.push_back("axis");
            if (s.shape == Shape::axes_by_extent) names.push_back("separation");
        }
    return names;
}

void attach_dimensions(h5::Group& root, const Config& config) {
    Dimensions dimensions(root);
    const std::vector<std::string> lattice = lattice_dimension_names(config);
    for (const char* group : {"observables", "replicas", "layers", "configurations"}) {
        if (!root.exists(group)) continue;
        const h5::Group g = root.open_group(group);
        h5::Dataset step = g.open_dataset("step");
        step.make_dimension_scale("step");
        const bool has_time = g.exists("time");
        for (const std::string& name : g.children()) {
            if (name == "step") continue;
            h5::Dataset d = g.open_dataset(name);
            d.attach_dimension_scale(step, 0);
            const std::vector<std::uint64_t> shape = d.shape();
            const std::vector<std::string> names = dimension_names(group, name, lattice);
            if (names.size() + 1 != shape.size())
                throw std::logic_error("no dimension names for /" + std::string(group) + "/" +
                                       name);
            for (std::size_t i = 0; i < names.size(); ++i)
                d.attach_dimension_scale(dimensions.get(names[i], shape[i + 1]),
                                         static_cast<unsigned>(i + 1));
            // CF convention: xarray makes the listed variables coordinates.
            if (has_time && name != "time") d.write_attr("coordinates", std::string("time"));
        }
    }
}

std::vector<std::size_t> record_widths(const Lattice& lattice, int components) {
    const RecordLayout layout(lattice, components);
    std::vector<std::size_t> widths;
    for (const ObservableSpec& s : observable_specs())
        widths.push_back(static_cast<std::size_t>(layout.width(s)));
    return widths;
}

} // namespace

void OutputWriter::add_configurations(h5::Group& root, const Config& config, const Lattice& lattice,
                                      int saved_replicas) {
    std::vector<std::uint64_t> shape(lattice.extents().begin(), lattice.extents().end());
    shape.push_back(static_cast<std::uint64_t>(config.field.components));
    const ColumnSpec time{"time", {}, "lattice units", "training time of each saved configuration"};
    const std::string description =
        "saved field configurations, every measure.save_every steps and at the end of the run";
    std::vector<std::string> labels = {"saved"};
    for (const std::string& l : config.lattice.axis_names)
        labels.push_back(l);
    labels.push_back("component");
    if (saved_replicas <= 1) {
        configurations_.emplace(
            root, "configurations", description,
            std::vector<ColumnSpec>{time,
                                    {"field", shape, "lattice units",
                                     "field phi[saved, x1..xd, component] (mass form, replica 0)"}},
            config.measure.compression, true);
        root.open_dataset("configurations/field").set_dimension_labels(labels);
        return;
    }
    // Every replica: one table slab per replica after the header, so that `field` (replica 0)
    // is a view of the same rows as `replica_field` and reads like the single-replica layout.
    std::vector<std::uint64_t> all = shape;
    all.insert(all.begin(), static_cast<std::uint64_t>(saved_replicas));
    configurations_.emplace(
        root, "configurations", description,
        std::vector<ColumnSpec>{
            time,
            {"replica_field", all, "lattice units",
             "field phi[saved, replica, x1..xd, component] of every replica (mass form)"}},
        config.measure.compression, true);
    const h5::Dataset table = root.open_dataset("records/configurations");
    const std::vector<std::int64_t> offsets = table.read_attr_int64s("offsets");
    h5::Group group = root.open_group("configurations");
    h5::Dataset field = group.create_view("field", h5::Dtype::f64, shape, table,
                                          static_cast<std::uint64_t>(offsets.back()));
    field.write_attr("units", std::string("lattice units"));
    field.write_attr("description",
                     std::string("field phi[saved, x1..xd, component] (mass form, replica 0)"));
    field.set_dimension_labels(labels);
    labels.insert(labels.begin() + 1, "replica");
    group.open_dataset("replica_field").set_dimension_labels(labels);
}

OutputWriter::OutputWriter(const Config& config, const Lattice& lattice, int saved_replicas)
    : saved_replicas_(saved_replicas),
      record_widths_(record_widths(lattice, config.field.components)),
      hopping_lambda_(hopping_lambda(config)),
      action_offset_(static_cast<std::size_t>(record_offset("action", config.field.components))),
      last_flush_(std::chrono::steady_clock::now()),
      // Created under a temporary name and renamed once valid (end of this constructor), so
      // the output never exists half-created, whenever the process dies.
      file_(h5::File::create(config.run.output + ".part", true)) {
    h5::Group root = file_.root();
    const int n = config.field.components;
    root.write_attr("ssbsim_version", std::string(version));
    root.write_attr("deck", config.deck_text);
    root.write_attr("seed", static_cast<std::int64_t>(config.run.seed));
    root.write_attr("description",
                    std::string("ssbsim run: Langevin / gradient-flow dynamics of an O(N) phi^4 "
                                "field; layout in docs/output.md"));
    root.write_attr("dims", std::vector<std::int64_t>(lattice.extents()));
    root.write_attr("axis_names", config.lattice.axis_names);
    root.write_attr("components", static_cast<std::int64_t>(n));
    root.write_attr("replicas", static_cast<std::int64_t>(config.run.replicas));
    write_parameters(root.create_group("parameters"), config, lattice);

    std::vector<ColumnSpec> columns = observable_columns(lattice, n, 1);
    columns.insert(columns.begin(), time_column);
    if (hopping_lambda_) columns.push_back(hopping_action_column);
    observables_.emplace(root, "observables",
                         "one row per measurement (replica 0), every measure.every steps", columns);
    const ActionParams action = resolve_action(config.action, lattice.dims(), n);
    for (const ObservableSpec& spec : observable_specs())
        if (spec.shape == Shape::axes || spec.shape == Shape::axes_by_extent) {
            h5::Dataset d = root.open_dataset(std::string("observables/") + spec.name);
            describe_axes(d, lattice, action, spec.shape);
        }
    if (config.run.replicas > 1)
        replicas_.emplace(root, "replicas",
                          "every replica's observables [n, replica, ...] and the replica metrics",
                          replica_columns(lattice, config));
    if (config.network.enabled)
        layers_.emplace(root, "layers", "per-layer observables of the network geometry",
                        layer_columns(config));

    add_configurations(root, config, lattice, saved_replicas);
    attach_dimensions(root, config);
    root.open_group("records").write_attr(
        "description", std::string("storage of the row groups: each table holds a group's rows "
                                   "once; the group's datasets are views of it (docs/output.md)"));
    file_.flush();
    if (!config.run.overwrite && std::filesystem::exists(config.run.output))
        throw IoError("'" + config.run.output +
                      "' appeared while the run was starting; not "
                      "replacing it");
    file_.rename(config.run.output);
}

OutputWriter::OutputWriter(const Config& config, h5::File file)
    : record_widths_(record_widths(Lattice(config.lattice), config.field.components)),
      hopping_lambda_(hopping_lambda(config)),
      action_offset_(static_cast<std::size_t>(record_offset("action", config.field.components))),
      last_flush_(std::chrono::steady_clock::now()), file_(std::move(file)) {
    const h5::Group root = file_.root();
    observables_.emplace(root, "observables");
    configurations_.emplace(root, "configurations");
    if (config.run.replicas > 1) replicas_.emplace(root, "replicas");
    if (config.network.enabled) layers_.emplace(root, "layers");
}

std::vector<Series*> OutputWriter::all_series() {
    std::vector<Series*> out;
    for (std::optional<Series>* s : {&observables_, &replicas_, &layers_, &configurations_})
        if (*s) out.push_back(&**s);
    return out;
}

namespace {

// Rows to keep of a step column: those up to `step`, minus a last row at `step` itself that is
// off the regular grid when the run goes on (an end-of-run extra of the shorter run; the
// continued run writes its own at its end).
std::uint64_t rows_to_keep(const std::vector<std::int64_t>& steps, std::int64_t step,
                           std::int64_t grid, bool run_goes_on) {
    std::uint64_t keep = 0;
    while (keep < steps.size() && steps[keep] <= step)
        ++keep;
    const bool extra =
        keep > 0 && steps[keep - 1] == step && step > 0 && (grid <= 0 || step % grid != 0);
    return extra && run_goes_on ? keep - 1 : keep;
}

} // namespace

OutputWriter OutputWriter::resume(const Config& config, std::int64_t step) {
    OutputWriter w(config, h5::File::open_rw(config.run.output));
    const bool goes_on = step < config.dynamics.steps;
    for (Series* s : w.all_series()) {
        const std::int64_t grid =
            s == &*w.configurations_ ? config.measure.save_every : config.measure.every;
        s->truncate(rows_to_keep(s->steps(), step, grid, goes_on));
    }
    const std::vector<std::int64_t> steps = w.observables_->steps();
    if (!steps.empty()) {
        const h5::Group root = w.file_.root();
        const std::uint64_t last = steps.size() - 1;
        w.mark_ = {steps.back(), root.open_dataset("observables/time").read_rows_double(last, 1)[0],
                   root.open_dataset("observables/action").read_rows_double(last, 1)[0]};
    }
    w.file_.flush();
    return w;
}

std::string output_mismatch(const std::string& output, const OutputMark& mark) {
    if (mark.step < 0) return "";
    const h5::File file = h5::File::open_read(output);
    const h5::Group root = file.root();
    if (!root.exists("observables/step")) return "it holds no /observables";
    const std::vector<std::int64_t> steps = root.open_dataset("observables/step").read_int64();
    const std::size_t rows = committed_rows(steps);
    const auto at =
        std::find(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(rows), mark.step);
    const std::string last =
        rows ? "its last measurement is at step " + std::to_string(steps[rows - 1])
             : "it holds no measurement";
    if (at == steps.begin() + static_cast<std::ptrdiff_t>(rows))
        return "it has no measurement at step " + std::to_string(mark.step) +
               ", the checkpoint's last (" + last + ")";
    const auto row = static_cast<std::uint64_t>(at - steps.begin());
    const double time = root.open_dataset("observables/time").read_rows_double(row, 1)[0];
    const double action = root.open_dataset("observables/action").read_rows_double(row, 1)[0];
    if (std::memcmp(&time, &mark.time, sizeof time) != 0 ||
        std::memcmp(&action, &mark.action, sizeof action) != 0)
        return "its measurement at step " + std::to_string(mark.step) +
               " differs from the one the checkpoint was written after (another run's file?)";
    return "";
}

void OutputWriter::record(const Measurement& m) {
    mark_ = {m.step, m.time, m.records.front()[action_offset_]};
    std::vector<double> row = {m.time};
    row.insert(row.end(), m.records.front().begin(), m.records.front().end());
    if (hopping_lambda_) // S_K = S_M + V lambda_K (README, the model)
        row.push_back(m.records.front()[action_offset_] + *hopping_lambda_);
    observables_->append(m.step, row);
    if (replicas_) {
        // [observable][replica][...]: each observable's replicas side by side.
        row.clear();
        std::size_t offset = 0;
        for (const std::size_t width : record_widths_) {
            for (const std::vector<double>& r : m.records)
                row.insert(row.end(), r.begin() + static_cast<std::ptrdiff_t>(offset),
                           r.begin() + static_cast<std::ptrdiff_t>(offset + width));
            offset += width;
        }
        row.push_back(m.replicas.overlap);
        row.push_back(m.replicas.distance);
        replicas_->append(m.step, row);
    }
    if (layers_ && m.layers) {
        row = m.layers->magnetization;
        for (const std::vector<double>* v :
             {&m.layers->abs_magnetization, &m.layers->diversity, &m.layers->grad_variance})
            row.insert(row.end(), v->begin(), v->end());
        layers_->append(m.step, row);
    }
    if (observables_->pending() >= chunk_records)
        flush();
    else if (std::chrono::steady_clock::now() - last_flush_ > flush_interval)
        flush();
}

void OutputWriter::flush() {
    for (Series* s : all_series())
        s->write_pending();
    file_.flush();
    last_flush_ = std::chrono::steady_clock::now();
}

void OutputWriter::save_configuration(std::int64_t step, double time, const Field& phi) {
    std::vector<double> buffer;
    configurations_->write_row(step, {std::span<const double>(&time, 1), phi.site_major(buffer)});
    flush();
}

void OutputWriter::save_configuration(std::int64_t step, double time, std::size_t parts,
                                      const Series::NextPart& next_part) {
    if (saved_replicas_ > 1)
        throw std::logic_error("OutputWriter::save_configuration: in parts, replica 0 only");
    configurations_->write_row(step, {std::span<const double>(&time, 1)}, parts, next_part);
    flush();
}

void OutputWriter::save_configurations(std::int64_t step, double time,
                                       const std::vector<Field>& phi) {
    if (saved_replicas_ <= 1) {
        save_configuration(step, time, phi.front());
        return;
    }
    if (phi.size() != static_cast<std::size_t>(saved_replicas_))
        throw std::logic_error("OutputWriter::save_configurations: wrong number of replicas");
    std::vector<double> all, buffer;
    for (const Field& f : phi) {
        const std::span<const double> s = f.site_major(buffer);
        all.insert(all.end(), s.begin(), s.end());
    }
    configurations_->write_row(step, {std::span<const double>(&time, 1), all});
    flush();
}

} // namespace ssbsim
