#include "ssbsim/io/checkpoint.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/keys.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/slabs.hpp"
#include "ssbsim/version.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <sys/resource.h>
#include <sys/statvfs.h>
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

// max |phi| over this rank's own sites (the halos are not read): +inf for a NaN or inf.
double own_max_abs(const Domain& domain, const Field& f) {
    if (!domain.split()) return f.max_abs();
    std::vector<double> buffer;
    const std::span<const double> own = own_site_major(domain, f, buffer);
    double m = 0.0;
    for (double x : own) {
        if (!std::isfinite(x)) return std::numeric_limits<double>::infinity();
        m = std::max(m, std::abs(x));
    }
    return m;
}

// What a checkpoint can never hold: a step outside [0, its run's dynamics.steps], a negative or
// non-finite time, a non-positive next step, non-finite fields (no checkpoint is written from a
// bad field). Such a file was damaged (or crafted); empty if none of these.
std::string implausible_state(const std::string& path, const Domain& domain,
                              const LoadedCheckpoint& ck) {
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
            if (!(own_max_abs(domain, f) < inf)) return "'" + path + "' holds NaN or inf values";
    return "";
}

// This rank's part of every replica's field in dataset d [replica, x1..xd, component]: its own
// slices, read as one hyperslab each, on the local lattice.
std::vector<Field> read_fields(const h5::Dataset& d, const Domain& domain, int components,
                               int replicas) {
    const std::vector<std::uint64_t> shape = d.shape();
    const Slices own = own_slices(domain);
    std::vector<std::uint64_t> start(shape.size(), 0), count = shape;
    count[0] = 1;
    start[1] = own.first;
    count[1] = own.count;
    std::vector<Field> fields;
    for (int r = 0; r < replicas; ++r) {
        start[0] = static_cast<std::uint64_t>(r);
        fields.emplace_back(domain.local(), components);
        assign_own_site_major(domain, fields.back(), d.read_block(start, count));
    }
    return fields;
}

// Reads this rank's part of one checkpoint file; returns an empty string on success or what is
// wrong with it (with this rank's slab: a damaged chunk or a NaN only another rank reads is
// that rank's finding).
std::string try_read_slab(const std::string& path, const Domain& domain, int components,
                          int replicas, LoadedCheckpoint& out) {
    if (!fs::exists(path)) return "'" + path + "' does not exist";
    if (!h5::is_hdf5(path)) return "'" + path + "' is not a complete HDF5 file";
    try {
        const Lattice& lattice = domain.whole();
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
        std::vector<Field> momentum;
        if (root.exists("state/momentum")) {
            const h5::Dataset p = root.open_dataset("state/momentum");
            if (p.shape() != want) return "'" + path + "' holds momenta of another shape";
            momentum = read_fields(p, domain, components, replicas);
        }
        out.state = State{
            read_fields(data, domain, components, replicas), root.read_attr_int64("step"),
            root.read_attr_double("time"), root.read_attr_double("next_eps"), std::move(momentum),
            // checkpoints before the compensated time sum have none: 0
            // (docs/output.md)
            root.has_attr("time_residual") ? root.read_attr_double("time_residual") : 0.0};
        out.deck_text = root.read_attr_string("deck");
        out.path = path;
        out.mark = read_mark(root);
        // Checkpoints of earlier versions do not record their run's length: any step >= 0.
        out.run_steps = root.has_attr("run_steps") ? root.read_attr_int64("run_steps")
                                                   : std::numeric_limits<std::int64_t>::max();
        return implausible_state(path, domain, out);
    } catch (const IoError& e) {
        return "'" + path + "' cannot be read (damaged: " + e.what() + ")";
    }
}

// One verdict on a checkpoint file for every rank: the problem the lowest rank found, if any
// found one (a file that is bad anywhere is not used anywhere).
std::string try_read(const std::string& path, const Domain& domain, int components, int replicas,
                     LoadedCheckpoint& out) {
    std::string problem = try_read_slab(path, domain, components, replicas, out);
    const Communicator& comm = domain.comm();
    if (!comm.split()) return problem;
    const std::vector<std::int64_t> bad = comm.all_gather(std::int64_t{!problem.empty()});
    const auto first = std::find(bad.begin(), bad.end(), std::int64_t{1});
    if (first == bad.end()) return "";
    comm.broadcast(problem, static_cast<int>(first - bad.begin()));
    return problem;
}

// The fields as one array [replica, x1..xd, component], each rank writing its own slices of each
// replica (a collective write when the file is the ranks'), piece by piece: every rank makes as
// many writes as the rank with the most pieces, the ones it has no piece for empty.
h5::Dataset write_fields(h5::Group& g, const std::string& name, const Domain& domain,
                         const std::vector<Field>& fields,
                         const std::vector<std::uint64_t>& shape) {
    h5::Dataset d = g.create_dataset(name, h5::Dtype::f64, shape, 0, true);
    const std::uint64_t per = values_per_slice(domain, static_cast<int>(shape.back()));
    const Slices own = own_slices(domain);
    const std::vector<Slices> mine = pieces(own, per);
    std::size_t writes = 0;
    for (int r = 0; r < domain.comm().size(); ++r)
        writes = std::max(writes, pieces(slices_of_rank(domain, r), per).size());
    std::vector<std::uint64_t> start(shape.size(), 0), count = shape;
    count[0] = 1;
    std::vector<double> buffer;
    for (std::size_t r = 0; r < fields.size(); ++r) {
        start[0] = r;
        for (std::size_t k = 0; k < writes; ++k) {
            const Slices p = k < mine.size() ? mine[k] : Slices{own.first, 0};
            start[1] = p.first;
            count[1] = p.count;
            d.write_block(start, count,
                          p.count ? own_site_major(domain, fields[r], p, buffer).data() : nullptr);
        }
    }
    return d;
}

void write_checkpoint_file(const std::string& tmp, const Domain& domain, const State& state,
                           const Config& config, const OutputMark& mark) {
    {
        h5::File file = h5::File::create(tmp, true, domain.comm());
        { // every object closed before the file: parallel HDF5 closes no file with open objects
            h5::Group root = file.root();
            root.write_attr(
                "description",
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
            h5::Dataset field = write_fields(configurations, "field", domain, state.phi, shape);
            if (!state.momentum.empty()) {
                h5::Dataset momentum =
                    write_fields(root, "state/momentum", domain, state.momentum, shape);
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
        }
        file.flush();
        file.close();
    }
}

// About the size of a checkpoint file: its fields (and momenta) plus room for the metadata and
// the chunks' checksums.
std::uint64_t checkpoint_bytes(const Domain& domain, const State& state, const Config& config) {
    const auto fields = static_cast<std::uint64_t>(state.phi.size() + state.momentum.size());
    const std::uint64_t data = fields * static_cast<std::uint64_t>(domain.whole().volume()) *
                               static_cast<std::uint64_t>(config.field.components) * sizeof(double);
    return data + data / 100 + (std::uint64_t{1} << 20);
}

// Ranks write a checkpoint together, and an I/O error that one meets inside parallel HDF5's
// collective calls would leave the others waiting in another collective (HDF5 1.10). So the
// ranks first agree that the file fits, on every rank's view of the file system and under every
// rank's file-size limit (ulimit -f): a full disk is then an IoError on every rank (status 4).
void check_room(const std::string& tmp, std::uint64_t bytes, const Communicator& comm) {
    std::string problem;
    auto mb = [](std::uint64_t b) { return std::to_string(b >> 20) + " MB"; };
    struct statvfs fs_info {};
    if (::statvfs(parent_dir(tmp).c_str(), &fs_info) == 0) {
        const std::uint64_t free = std::uint64_t{fs_info.f_bavail} * fs_info.f_frsize;
        if (free < bytes)
            problem = "the file system has " + mb(free) + " free, the checkpoint needs about " +
                      mb(bytes);
    }
    struct rlimit limit {};
    if (problem.empty() && ::getrlimit(RLIMIT_FSIZE, &limit) == 0 &&
        limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < bytes)
        problem = "the file-size limit (ulimit -f) is " + mb(limit.rlim_cur) +
                  ", the checkpoint needs about " + mb(bytes);
    const std::vector<std::int64_t> bad = comm.all_gather(std::int64_t{!problem.empty()});
    const auto first = std::find(bad.begin(), bad.end(), std::int64_t{1});
    if (first == bad.end()) return;
    const int from = static_cast<int>(first - bad.begin());
    comm.broadcast(problem, from);
    throw IoError("cannot write the checkpoint '" + tmp + "' (MPI rank " + std::to_string(from) +
                  "): " + problem + "; the last checkpoint is kept");
}

// Time for every rank to finish a collective checkpoint: generous (20 MB/s, plus two minutes).
double collective_time_limit(std::uint64_t bytes) {
    return 120.0 + static_cast<double>(bytes) / 20e6;
}

// What ends a rank whose collective checkpoint never returned: a message, the temporary file
// removed, and status 4 (mpirun and srun --kill-on-bad-exit then end the other ranks); the last
// complete checkpoint is kept. Tested by hand (a file-size limit with check_room skipped).
[[noreturn]] void hung_collective_write(const std::string& tmp) {
    const std::string message =
        "ssbsim: I/O error: the ranks did not finish writing the checkpoint '" + tmp +
        "' in time (an I/O error that one rank met inside a collective parallel-HDF5 call "
        "leaves the others waiting); stopping with status 4, the last checkpoint is kept\n";
    std::fputs(message.c_str(), stderr);
    std::fflush(stderr);
    std::remove(tmp.c_str()); // its space, as a failed write frees it (any rank may: one file)
    std::_Exit(exit_io);
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
    write_checkpoint(path, Domain(Lattice(config.lattice)), state, config, mark);
}

void write_checkpoint(const std::string& path, const Domain& domain, const State& state,
                      const Config& config, const OutputMark& mark) {
    const Communicator& comm = domain.comm();
    const std::string tmp = path + ".tmp";
    std::optional<Deadline> deadline;
    if (comm.split()) {
        const std::uint64_t bytes = checkpoint_bytes(domain, state, config);
        check_room(tmp, bytes, comm);
        deadline.emplace(collective_time_limit(bytes), [tmp] { hung_collective_write(tmp); });
    }
    try {
        write_checkpoint_file(tmp, domain, state, config, mark);
    } catch (...) {
        std::error_code ec; // a full disk: do not leave the space taken by a useless file
        fs::remove(tmp, ec);
        throw;
    }
    // Closed on every rank: the file is complete. The root alone syncs and renames it; the others
    // wait, so that none starts the next checkpoint's temporary file before the rename.
    comm.barrier();
    deadline.reset();
    if (comm.root()) {
        fsync_path(tmp, false);
        if (fs::exists(path)) rename_or_throw(path, backup_path(path));
        rename_or_throw(tmp, path);
        fsync_path(parent_dir(path), true);
    }
    comm.barrier();
}

LoadedCheckpoint read_checkpoint(const std::string& path, const Domain& domain, int components,
                                 int replicas) {
    LoadedCheckpoint out{};
    const std::string main_problem = try_read(path, domain, components, replicas, out);
    if (main_problem.empty()) return out;
    const std::string backup = backup_path(path);
    const std::string backup_problem = try_read(backup, domain, components, replicas, out);
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
