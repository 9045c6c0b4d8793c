#include "ssbsim/io/checkpoint.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/keys.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/version.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <limits>
#include <map>
#include <unistd.h>

namespace ssbsim {

namespace {

namespace fs = std::filesystem;

void fsync_path(const std::string& path, bool directory) {
    const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) throw IoError("cannot open '" + path + "' to sync it: " + std::strerror(errno));
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw IoError("cannot sync '" + path + "' to disk: " + std::strerror(errno));
}

void rename_or_throw(const std::string& from, const std::string& to) {
    if (std::rename(from.c_str(), to.c_str()) != 0)
        throw IoError("cannot rename '" + from + "' to '" + to + "': " + std::strerror(errno));
}

std::string parent_dir(const std::string& path) {
    const fs::path p(path);
    return p.has_parent_path() ? p.parent_path().string() : ".";
}

// A checkpoint of another shape is not damaged: the run asks for something else. Names the key.
std::string shape_mismatch(const std::string& path, const std::vector<std::uint64_t>& has,
                           const std::vector<std::uint64_t>& want) {
    auto join = [](auto first, auto last) {
        std::string s;
        for (auto it = first; it != last; ++it)
            s += (s.empty() ? "" : " ") + std::to_string(*it);
        return s;
    };
    std::string diffs;
    auto differ = [&](const std::string& key, const std::string& a, const std::string& b) {
        if (a != b) diffs += "\n  " + key + " (checkpoint: '" + a + "', now: '" + b + "')";
    };
    if (has.size() < 2) return "'" + path + "' holds a field of no lattice shape";
    differ("run.replicas", std::to_string(has.front()), std::to_string(want.front()));
    differ("lattice.dims", join(has.begin() + 1, has.end() - 1),
           join(want.begin() + 1, want.end() - 1));
    differ("field.components", std::to_string(has.back()), std::to_string(want.back()));
    return "resume: the checkpoint '" + path + "' is of another shape than this run:" + diffs +
           "\nno run continues on another lattice, number of components or replicas (start a "
           "new run, e.g. with field.init = file and field.init_file = '" +
           path + "')";
}

OutputMark read_mark(const h5::Group& root) {
    OutputMark m;
    if (!root.has_attr("output_step")) return m;
    m.step = root.read_attr_int64("output_step");
    m.time = root.read_attr_double("output_time");
    m.action = root.read_attr_double("output_action");
    return m;
}

// What a checkpoint can never hold: a step outside [0, its run's dynamics.steps], a negative or
// non-finite time, a non-positive next step, non-finite fields (no checkpoint is written from a
// bad field). Such a file was damaged (or crafted); empty if none of these.
std::string implausible_state(const std::string& path, const LoadedCheckpoint& ck) {
    const State& st = ck.state;
    if (st.step < 0 || st.step > ck.run_steps)
        return "'" + path + "' has step " + std::to_string(st.step) + ", outside the range 0.." +
               std::to_string(ck.run_steps) + " of the run that wrote it";
    if (!std::isfinite(st.time) || st.time < 0.0 || !std::isfinite(st.next_eps) ||
        st.next_eps <= 0.0)
        return "'" + path + "' has an impossible training time or step size";
    if (ck.mark.step > st.step) return "'" + path + "' has an output mark after its own step";
    const double inf = std::numeric_limits<double>::infinity();
    for (const std::vector<Field>* fields : {&st.phi, &st.momentum})
        for (const Field& f : *fields)
            if (!(f.max_abs() < inf)) return "'" + path + "' holds NaN or inf values";
    return "";
}

// Reads one checkpoint file; returns an empty string on success or what is wrong with it.
std::string try_read(const std::string& path, const Lattice& lattice, int components, int replicas,
                     LoadedCheckpoint& out) {
    if (!fs::exists(path)) return "'" + path + "' does not exist";
    if (!h5::is_hdf5(path)) return "'" + path + "' is not a complete HDF5 file";
    try {
        const h5::File file = h5::File::open_read(path);
        const h5::Group root = file.root();
        if (!root.has_attr("complete") || root.read_attr_int64("complete") != 1)
            return "'" + path + "' was not completely written";
        const h5::Dataset data = root.open_dataset("configurations/field");
        std::vector<std::uint64_t> want = {static_cast<std::uint64_t>(replicas)};
        for (std::int64_t l : lattice.extents())
            want.push_back(static_cast<std::uint64_t>(l));
        want.push_back(static_cast<std::uint64_t>(components));
        if (data.shape() != want) throw InputError(shape_mismatch(path, data.shape(), want));
        auto read_fields = [&](const h5::Dataset& d) {
            std::vector<Field> fields;
            for (int r = 0; r < replicas; ++r) {
                fields.emplace_back(lattice, components);
                fields.back().assign_site_major(
                    d.read_rows_double(static_cast<std::uint64_t>(r), 1));
            }
            return fields;
        };
        std::vector<Field> momentum;
        if (root.exists("state/momentum")) {
            const h5::Dataset p = root.open_dataset("state/momentum");
            if (p.shape() != want) return "'" + path + "' holds momenta of another shape";
            momentum = read_fields(p);
        }
        out.state =
            State{read_fields(data), root.read_attr_int64("step"), root.read_attr_double("time"),
                  root.read_attr_double("next_eps"), std::move(momentum),
                  // checkpoints before the compensated time sum have none: 0 (docs/output.md)
                  root.has_attr("time_residual") ? root.read_attr_double("time_residual") : 0.0};
        out.deck_text = root.read_attr_string("deck");
        out.path = path;
        out.mark = read_mark(root);
        // Checkpoints of earlier versions do not record their run's length: any step >= 0.
        out.run_steps = root.has_attr("run_steps") ? root.read_attr_int64("run_steps")
                                                   : std::numeric_limits<std::int64_t>::max();
        return implausible_state(path, out);
    } catch (const IoError& e) {
        return "'" + path + "' cannot be read (damaged: " + e.what() + ")";
    }
}

// The fields as one site-major array [replica, sites, component]; a single field is written
// without joining (and, for N = 1, from its own storage: see Field::site_major).
h5::Dataset write_fields(h5::Group& g, const std::string& name, const std::vector<Field>& fields,
                         const std::vector<std::uint64_t>& shape) {
    std::vector<double> buffer;
    if (fields.size() == 1)
        return g.write_dataset(name, fields.front().site_major(buffer).data(), shape, 0, true);
    std::vector<double> values;
    for (const Field& f : fields) {
        const std::span<const double> one = f.site_major(buffer);
        values.insert(values.end(), one.begin(), one.end());
    }
    return g.write_dataset(name, values.data(), shape, 0, true);
}

void write_checkpoint_file(const std::string& tmp, const State& state, const Config& config,
                           const OutputMark& mark) {
    {
        h5::File file = h5::File::create(tmp, true);
        h5::Group root = file.root();
        root.write_attr("description",
                        std::string("ssbsim checkpoint: the state to continue a run bit for bit "
                                    "(ssbsim run DECK --resume); usable as field.init_file"));
        root.write_attr("ssbsim_version", std::string(version));
        root.write_attr("deck", config.deck_text);
        root.write_attr("step", state.step);
        root.write_attr("time", state.time);
        root.write_attr("time_residual", state.time_residual);
        root.write_attr("next_eps", state.next_eps);
        // A resume with fewer steps than done rewrites the checkpoint at its own, later, step.
        root.write_attr("run_steps", std::max(config.dynamics.steps, state.step));
        if (mark.step >= 0) {
            root.write_attr("output_step", mark.step);
            root.write_attr("output_time", mark.time);
            root.write_attr("output_action", mark.action);
        }
        std::vector<std::uint64_t> shape = {state.phi.size()};
        for (std::int64_t l : config.lattice.dims)
            shape.push_back(static_cast<std::uint64_t>(l));
        shape.push_back(static_cast<std::uint64_t>(config.field.components));
        h5::Group configurations = root.create_group("configurations");
        h5::Dataset field = write_fields(configurations, "field", state.phi, shape);
        if (!state.momentum.empty()) {
            h5::Dataset momentum = write_fields(root, "state/momentum", state.momentum, shape);
            momentum.write_attr("description",
                                std::string("momenta of method = momentum [replica, x1..xd, "
                                            "component]"));
            momentum.write_attr("units", std::string("lattice units"));
        }
        field.write_attr("description",
                         std::string("the field of every replica at the checkpoint's step "
                                     "[replica, x1..xd, component]"));
        field.write_attr("units", std::string("lattice units"));
        // Written last: a file without it was interrupted and is not used.
        root.write_attr("complete", std::int64_t{1});
        file.flush();
        file.close();
    }
}

} // namespace

std::string checkpoint_path(const Config& config) {
    if (!config.checkpoint.file.empty()) return config.checkpoint.file;
    const std::string& out = config.run.output;
    const std::string stem =
        out.size() > 3 && out.ends_with(".h5") ? out.substr(0, out.size() - 3) : out;
    return stem + ".ckpt.h5";
}

std::string backup_path(const std::string& checkpoint) {
    return checkpoint + ".bak";
}

void remove_checkpoint(const std::string& path) {
    for (const std::string& p : {path, backup_path(path)}) {
        std::error_code ec;
        fs::remove(p, ec);
        if (ec) throw IoError("cannot remove checkpoint '" + p + "': " + ec.message());
    }
}

void write_checkpoint(const std::string& path, const State& state, const Config& config,
                      const OutputMark& mark) {
    const std::string tmp = path + ".tmp";
    try {
        write_checkpoint_file(tmp, state, config, mark);
    } catch (...) {
        std::error_code ec; // a full disk: do not leave the space taken by a useless file
        fs::remove(tmp, ec);
        throw;
    }
    fsync_path(tmp, false);
    if (fs::exists(path)) rename_or_throw(path, backup_path(path));
    rename_or_throw(tmp, path);
    fsync_path(parent_dir(path), true);
}

LoadedCheckpoint read_checkpoint(const std::string& path, const Lattice& lattice, int components,
                                 int replicas) {
    LoadedCheckpoint out{};
    const std::string main_problem = try_read(path, lattice, components, replicas, out);
    if (main_problem.empty()) return out;
    const std::string backup = backup_path(path);
    const std::string backup_problem = try_read(backup, lattice, components, replicas, out);
    if (backup_problem.empty()) {
        out.warnings.push_back("checkpoint " + main_problem + "; resuming from the backup '" +
                               backup + "' instead");
        return out;
    }
    throw InputError("no usable checkpoint: " + main_problem + ", and the backup " +
                     backup_problem);
}

std::vector<std::string> physics_differences(const Config& checkpointed, const Config& now) {
    const std::map<std::string, std::string>& a = checkpointed.key_values;
    const std::map<std::string, std::string>& b = now.key_values;
    auto ignored = [](const std::string& key) {
        const KeySpec* spec = find_key(key);
        return spec && spec->has(resume_may_change);
    };
    std::vector<std::string> differing;
    for (const auto& [key, value] : a) {
        if (ignored(key)) continue;
        const auto other = b.find(key);
        if (other == b.end() || other->second != value)
            differing.push_back(key + " (checkpoint: '" + value + "', now: '" +
                                (other == b.end() ? std::string("unset") : other->second) + "')");
    }
    for (const auto& [key, value] : b)
        if (!ignored(key) && !a.contains(key))
            differing.push_back(key + " (checkpoint: unset, now: '" + value + "')");
    return differing;
}

} // namespace ssbsim
