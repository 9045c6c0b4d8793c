#include "ssbsim/app/measure.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/inputs.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/io/paths.hpp"
#include "ssbsim/io/series.hpp"
#include "ssbsim/measure/observables.hpp"

#include <cmath>
#include <filesystem>
#include <map>

namespace ssbsim {

namespace {

namespace fs = std::filesystem;

std::string default_output(const std::string& input) {
    const fs::path p(input);
    return (p.parent_path() / (p.stem().string() + "_measured.h5")).string();
}

// The resolved deck of the file with the output redirected; `replicas` set to the number of
// fields the file holds per row (a run saves replica 0 only).
Config file_config(const std::string& deck, const MeasureRequest& r, int replicas) {
    std::vector<std::string> overrides = {
        "run.output=" + r.output, std::string("run.overwrite=") + (r.overwrite ? "true" : "false"),
        "run.replicas=" + std::to_string(replicas)};
    return load_deck_text(deck, overrides, r.input);
}

// Step size in force at each measured step of the file (flow_adaptive chooses it from the
// state, which a configuration alone does not hold).
std::map<std::int64_t, double> recorded_eps(const h5::Group& root) {
    std::map<std::int64_t, double> eps;
    if (!root.exists("observables/step_size") || !root.exists("observables/step")) return eps;
    const std::vector<std::int64_t> steps = root.open_dataset("observables/step").read_int64();
    const std::vector<double> values = root.open_dataset("observables/step_size").read_double();
    for (std::size_t i = 0; i < committed_rows(steps) && i < values.size(); ++i)
        eps[steps[i]] = values[i];
    return eps;
}

std::vector<Field> fields_of_row(const h5::Dataset& data, std::uint64_t row, int replicas,
                                 const Lattice& lattice, int components, std::int64_t step,
                                 const std::string& where) {
    const std::vector<double> values = data.read_rows_double(row, 1);
    const auto per = static_cast<std::size_t>(lattice.volume() * components);
    std::vector<Field> fields;
    for (int r = 0; r < replicas; ++r) {
        const std::span<const double> part(values.data() + static_cast<std::size_t>(r) * per, per);
        for (const double v : part)
            if (!std::isfinite(v))
                throw InputError(where + ": the configuration of replica " + std::to_string(r) +
                                 " at step " + std::to_string(step) +
                                 " is not finite (never completely written?)");
        fields.emplace_back(lattice, components);
        fields.back().assign_site_major(part);
    }
    return fields;
}

// Measures every committed row of `data` into `out`.
std::size_t measure_rows(const h5::Group& root, const h5::Dataset& data, const Config& config,
                         int replicas, OutputWriter& out, const std::string& where) {
    const Lattice lattice(config.lattice);
    const int n = config.field.components;
    const std::vector<std::int64_t> steps = root.open_dataset("configurations/step").read_int64();
    const std::vector<double> times = root.open_dataset("configurations/time").read_double();
    const std::size_t rows = committed_rows(steps);
    const std::map<std::int64_t, double> eps = recorded_eps(root);
    const RecordLayout layout(lattice, n);
    // δh_x of action.h_source = file, read once and handed to each row's Simulation.
    const std::optional<Field> source = read_source_field(config, lattice);
    const auto source_copy = [&]() -> std::optional<Field> {
        if (!source) return std::nullopt;
        Field copy(lattice, n);
        copy.copy_from(*source);
        return copy;
    };
    for (std::size_t i = 0; i < rows; ++i) {
        const auto e = eps.find(steps[i]);
        State state{fields_of_row(data, i, replicas, lattice, n, steps[i], where),
                    steps[i],
                    times[i],
                    e != eps.end() ? e->second : config.dynamics.step,
                    {}};
        const Simulation sim(config, std::move(state), source_copy());
        const Measurement m = sim.measure_all();
        for (const std::vector<double>& record : m.records)
            if (const char* name = nonfinite_observable(record, layout))
                throw InputError(where + ": " + name + " is not finite at step " +
                                 std::to_string(steps[i]));
        out.record(m);
        out.save_configurations(m.step, m.time, sim.state().phi);
    }
    out.flush();
    return rows;
}

// Where the measured file came from, and what a recording says about its network beyond the
// deck (ssbsim.torch, analysis/ssbsim/torch.py: the true fan-in of each layer, the torch model).
void note_origin(const h5::Group& input, const MeasureRequest& r) {
    h5::File out = h5::File::open_rw(r.output);
    h5::Group root = out.root();
    root.write_attr("measured_from", r.input);
    for (const char* name : {"recorder", "torch_model", "torch_optimizer"})
        if (input.has_attr(name)) root.write_attr(name, input.read_attr_string(name));
    if (input.has_attr("layer_fan_in"))
        root.write_attr("layer_fan_in", input.read_attr_int64s("layer_fan_in"));
    out.close();
}

} // namespace

void measure_file(const MeasureRequest& request, std::ostream& log) {
    MeasureRequest r = request;
    if (r.output.empty()) r.output = default_output(r.input);
    const std::string where = "measure: '" + r.input + "'";
    if (!h5::is_hdf5(r.input)) throw InputError(where + " does not exist or is not an HDF5 file");
    if (fs::exists(r.output) && fs::equivalent(r.output, r.input))
        throw InputError(where + ": the output must be a new file");
    if (fs::exists(r.output) && !r.overwrite)
        throw InputError("measure: the output '" + r.output + "' exists; --overwrite replaces it");
    // The rules of a run's output (io/paths.hpp): never a device, FIFO or directory, and never
    // an output that a run (or another measure) is writing.
    for (const std::string& p : {r.output, r.output + ".part"})
        check_output_file("measure: output", p);
    const OutputLock lock(r.output + ".lock");
    if (!lock.warning().empty()) log << "warning: " << lock.warning() << '\n';
    const h5::File file = h5::File::open_read(r.input);
    const h5::Group root = file.root();
    if (!root.has_attr("deck") || !root.exists("configurations/field"))
        throw InputError(where + " has no 'deck' attribute or no /configurations/field: not an "
                                 "ssbsim output or recording");
    const bool all = root.exists("configurations/replica_field");
    const h5::Dataset data =
        root.open_dataset(all ? "configurations/replica_field" : "configurations/field");
    const int replicas = all ? static_cast<int>(data.shape().at(1)) : 1;
    const Config config = file_config(root.read_attr_string("deck"), r, replicas);
    const Lattice lattice(config.lattice);
    std::vector<std::uint64_t> want(lattice.extents().begin(), lattice.extents().end());
    want.push_back(static_cast<std::uint64_t>(config.field.components));
    if (all) want.insert(want.begin(), static_cast<std::uint64_t>(replicas));
    const std::vector<std::uint64_t> shape = data.shape();
    if (shape.size() != want.size() + 1 || !std::equal(want.begin(), want.end(), shape.begin() + 1))
        throw InputError(where + ": the configurations do not have the shape of the deck's "
                                 "lattice and components");
    std::size_t rows = 0;
    {
        OutputWriter out(config, lattice, replicas);
        rows = measure_rows(root, data, config, replicas, out, where);
    }
    note_origin(root, r);
    log << "measured " << rows << " configuration" << (rows == 1 ? "" : "s") << " (" << replicas
        << " replica" << (replicas == 1 ? "" : "s") << ") of '" << r.input << "' into '" << r.output
        << "'\n";
}

} // namespace ssbsim
