#include "ssbsim/io/output.hpp"

#include "ssbsim/action.hpp"
#include "ssbsim/errors.hpp"
#include "ssbsim/observables.hpp"
#include "ssbsim/version.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace ssbsim {

namespace {

constexpr std::uint64_t chunk_records = 256;
// Records wait in memory at most this long before reaching the disk (docs/output.md).
constexpr std::chrono::seconds flush_interval{10};

void describe(h5::Object& o, const std::string& units, const std::string& description) {
    o.write_attr("units", units);
    o.write_attr("description", description);
}

std::vector<std::string> axis_labels(const Lattice& lattice) {
    std::vector<std::string> labels;
    for (int mu = 0; mu < lattice.dims(); ++mu) labels.push_back("x" + std::to_string(mu + 1));
    return labels;
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
    g.write_attr("h", m.h);
    bool uniform = m.coupling[0] > 0.0;
    for (int mu = 0; mu < d; ++mu) uniform = uniform && m.coupling[mu] == m.coupling[0];
    if (uniform) {
        const HoppingParams k = hopping_from_mass(m, d);
        g.write_attr("kappa", k.kappa);
        g.write_attr("lambda_hopping", k.lambda);
        g.write_attr("h_hopping", k.h);
        g.write_attr("hopping_field_scale", hopping_field_scale(k.kappa) / std::sqrt(m.coupling[0]));
        g.write_attr("hopping_note",
                     std::string("phi_mass = hopping_field_scale * phi_hopping; exact on periodic "
                                 "lattices"));
    }
}

} // namespace

OutputWriter::OutputWriter(const Config& config, const Lattice& lattice)
    : components_(config.field.components), last_flush_(std::chrono::steady_clock::now()),
      // Created under a temporary name and renamed once valid (end of this constructor), so
      // the output never exists half-created, whenever the process dies.
      file_(h5::File::create(config.run.output + ".part", true)),
      observables_(file_.root().create_group("observables")),
      configurations_(file_.root().create_group("configurations")) {
    h5::Group root = file_.root();
    root.write_attr("ssbsim_version", std::string(version));
    root.write_attr("deck", config.deck_text);
    root.write_attr("seed", static_cast<std::int64_t>(config.run.seed));
    root.write_attr("description",
                    std::string("ssbsim run: Langevin / gradient-flow dynamics of an O(N) phi^4 "
                                "field; layout in docs/output.md"));
    root.write_attr("dims", std::vector<std::int64_t>(lattice.extents()));
    root.write_attr("components", static_cast<std::int64_t>(components_));
    write_parameters(root.create_group("parameters"), config, lattice);

    describe(observables_, "", "one row per measurement, every measure.every steps");
    auto column = [&](const std::string& name, h5::Dtype type, std::vector<std::uint64_t> shape,
                      const std::string& units, const std::string& description) {
        h5::Dataset d = observables_.create_extendible(name, type, shape, chunk_records, 0);
        describe(d, units, description);
        columns_.push_back(std::move(d));
    };
    column("step", h5::Dtype::i64, {}, "steps", "number of completed steps at the measurement");
    column("time", h5::Dtype::f64, {}, "lattice units",
           "training time t = sum of the step sizes epsilon so far");
    const RecordLayout layout(lattice, components_);
    for (const ObservableSpec& s : observable_specs())
        column(s.name, h5::Dtype::f64, layout.row_shape(s), s.units, s.description);

    describe(configurations_, "", "saved field configurations, every measure.save_every steps "
                                  "and at the end of the run");
    std::vector<std::uint64_t> shape(lattice.extents().begin(), lattice.extents().end());
    shape.push_back(static_cast<std::uint64_t>(components_));
    h5::Dataset field = configurations_.create_extendible("field", h5::Dtype::f64, shape, 1,
                                                          config.measure.compression);
    describe(field, "lattice units", "field phi[saved, x1..xd, component] (mass form)");
    std::vector<std::string> labels = {"saved"};
    for (const std::string& l : axis_labels(lattice)) labels.push_back(l);
    labels.push_back("component");
    field.set_dimension_labels(labels);
    h5::Dataset steps = configurations_.create_extendible("step", h5::Dtype::i64, {}, 64, 0);
    describe(steps, "steps", "step of each saved configuration");
    h5::Dataset times = configurations_.create_extendible("time", h5::Dtype::f64, {}, 64, 0);
    describe(times, "lattice units", "training time of each saved configuration");
    file_.flush();
    if (!config.run.overwrite && std::filesystem::exists(config.run.output))
        throw IoError("'" + config.run.output + "' appeared while the run was starting; not "
                      "replacing it");
    file_.rename(config.run.output);
}

OutputWriter::OutputWriter(const Config& config, h5::File file)
    : components_(config.field.components), last_flush_(std::chrono::steady_clock::now()),
      file_(std::move(file)), observables_(file_.root().open_group("observables")),
      configurations_(file_.root().open_group("configurations")) {
    columns_.push_back(observables_.open_dataset("step"));
    columns_.push_back(observables_.open_dataset("time"));
    for (const ObservableSpec& s : observable_specs())
        columns_.push_back(observables_.open_dataset(s.name));
}

namespace {

// Rows to keep of a step column: those up to `step`, minus a last row at `step` itself that is
// off the regular grid when the run goes on (an end-of-run extra of the shorter run; the
// continued run writes its own at its end).
std::uint64_t rows_to_keep(const std::vector<std::int64_t>& steps, std::int64_t step,
                           std::int64_t grid, bool run_goes_on) {
    std::uint64_t keep = 0;
    while (keep < steps.size() && steps[keep] <= step) ++keep;
    const bool extra = keep > 0 && steps[keep - 1] == step && step > 0 &&
                       (grid <= 0 || step % grid != 0);
    return extra && run_goes_on ? keep - 1 : keep;
}

} // namespace

OutputWriter OutputWriter::resume(const Config& config, std::int64_t step) {
    OutputWriter w(config, h5::File::open_rw(config.run.output));
    const bool goes_on = step < config.dynamics.steps;
    const std::uint64_t keep_obs =
        rows_to_keep(w.columns_[0].read_int64(), step, config.measure.every, goes_on);
    for (h5::Dataset& d : w.columns_) d.truncate_rows(keep_obs);
    h5::Dataset saved_steps = w.configurations_.open_dataset("step");
    const std::uint64_t keep_cfg =
        rows_to_keep(saved_steps.read_int64(), step, config.measure.save_every, goes_on);
    for (const char* name : {"field", "step", "time"})
        w.configurations_.open_dataset(name).truncate_rows(keep_cfg);
    w.file_.flush();
    return w;
}

void OutputWriter::record(std::int64_t step, double time, std::span<const double> values) {
    pending_steps_.push_back(step);
    pending_values_.push_back(time);
    pending_values_.insert(pending_values_.end(), values.begin(), values.end());
    if (pending_steps_.size() >= chunk_records) flush();
    else flush_if_stale();
}

void OutputWriter::flush_if_stale() {
    if (std::chrono::steady_clock::now() - last_flush_ > flush_interval) flush();
}

void OutputWriter::flush() {
    const std::size_t rows = pending_steps_.size();
    if (rows > 0) {
        const std::size_t stride = pending_values_.size() / rows;
        columns_[0].append(pending_steps_.data(), rows);
        std::vector<double> column;
        std::size_t offset = 0; // within one pending row: time, then the record
        for (std::size_t c = 1; c < columns_.size(); ++c) {
            // A column's own row shape gives its width in the record (observables.hpp order),
            // so resumed files need no lattice here.
            std::size_t width = 1;
            const std::vector<std::uint64_t> shape = columns_[c].shape();
            for (std::size_t i = 1; i < shape.size(); ++i) width *= shape[i];
            column.resize(rows * width);
            for (std::size_t r = 0; r < rows; ++r)
                std::copy_n(pending_values_.begin() + r * stride + offset, width,
                            column.begin() + r * width);
            columns_[c].append(column.data(), rows);
            offset += width;
        }
        pending_steps_.clear();
        pending_values_.clear();
    }
    file_.flush();
    last_flush_ = std::chrono::steady_clock::now();
}

void OutputWriter::save_configuration(std::int64_t step, double time, const Field& phi) {
    const std::vector<double> values = phi.to_site_major();
    configurations_.open_dataset("field").append(values.data(), 1);
    configurations_.open_dataset("step").append(&step, 1);
    configurations_.open_dataset("time").append(&time, 1);
    flush();
}

} // namespace ssbsim
