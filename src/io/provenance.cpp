#include "ssbsim/io/provenance.hpp"

#include "ssbsim/build_info.hpp"
#include "ssbsim/core/comm.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/series.hpp"
#include "ssbsim/version.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <omp.h>
#include <unistd.h>

namespace ssbsim {

namespace {

std::string host_name() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
    return name.data();
}

// The batch job this segment runs in, if any: "<job>" or "<array job>_<task>" (SLURM).
std::string batch_job() {
    const char* job = std::getenv("SLURM_JOB_ID");
    if (job == nullptr) return "";
    const char* array = std::getenv("SLURM_ARRAY_JOB_ID");
    const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
    std::string id = std::string("slurm ") + job;
    if (array != nullptr && task != nullptr)
        id += std::string(" (array ") + array + "_" + task + ")";
    return id;
}

// Segments are /segments/000, /segments/001, ...: name order is run order up to 1000 of them.
std::string segment_name(std::int64_t index) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%03lld", static_cast<long long>(index));
    return buf.data();
}

// A new /segments/<n> after the existing ones (the group created with the first segment).
h5::Group new_segment_group(h5::Group& root) {
    if (!root.exists("segments"))
        root.create_group("segments")
            .write_attr("description",
                        std::string("one group per run segment (a resumed run has several), in "
                                    "run order; attributes only (docs/output.md)"));
    const h5::Group segments = root.open_group("segments");
    return root.create_group("segments/" +
                             segment_name(static_cast<std::int64_t>(segments.children().size())));
}

} // namespace

const BuildInfo& build_info() {
    static const BuildInfo info{version, build::git_commit, build::git_dirty, build::compiler,
                                build::flags};
    return info;
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf.data();
}

bool OutputStatus::complete(std::int64_t steps) const {
    if (!ssbsim) return false;
    if (exit_status) return *exit_status == 0 && final_step && *final_step >= steps;
    return last_measured >= steps; // written before completion was recorded
}

OutputStatus read_output_status(const std::string& path) {
    OutputStatus s;
    if (!h5::is_hdf5(path)) return s;
    const h5::File file = h5::File::open_read(path);
    const h5::Group root = file.root();
    if (!root.has_attr("ssbsim_version") || !root.has_attr("deck")) return s;
    s.ssbsim = true;
    s.deck = root.read_attr_string("deck");
    if (root.has_attr("final_step")) s.final_step = root.read_attr_int64("final_step");
    if (root.has_attr("exit_status")) s.exit_status = root.read_attr_int64("exit_status");
    if (root.exists("observables/step")) {
        const std::vector<std::int64_t> steps = root.open_dataset("observables/step").read_int64();
        const std::size_t rows = committed_rows(steps);
        if (rows > 0) s.last_measured = steps[rows - 1];
    }
    if (root.exists("segments"))
        s.segments = static_cast<std::int64_t>(root.open_group("segments").children().size());
    return s;
}

Segment::Segment(h5::Group root, std::int64_t first_step, const std::string& kind,
                 const std::string& deck)
    : root_(std::move(root)), group_(new_segment_group(root_)),
      start_(std::chrono::steady_clock::now()), final_step_(first_step) {
    const BuildInfo& b = build_info();
    group_.write_attr("kind", kind);
    group_.write_attr("start_utc", utc_now());
    group_.write_attr("host", host_name());
    group_.write_attr("batch_job", batch_job());
    group_.write_attr("ssbsim_version", b.version);
    group_.write_attr("git_commit", b.git_commit);
    group_.write_attr("git_dirty", static_cast<std::int64_t>(b.git_dirty));
    group_.write_attr("compiler", b.compiler);
    group_.write_attr("compile_flags", b.flags);
    group_.write_attr("threads", static_cast<std::int64_t>(omp_get_max_threads()));
    // The ranks the lattice is split over (mpirun/srun; 1 without): results do not depend on it.
    group_.write_attr("ranks", static_cast<std::int64_t>(Communicator::world().size()));
    group_.write_attr("first_step", first_step);
    group_.write_attr("deck", deck); // a --resume --force segment may differ from the root's
    write_end(status_running);
}

void Segment::write_end(std::int64_t status) {
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start_;
    group_.write_attr("end_utc", utc_now());
    group_.write_attr("wall_time", wall.count());
    group_.write_attr("final_step", final_step_);
    group_.write_attr("exit_status", status);
    root_.write_attr("final_step", final_step_);
    root_.write_attr("exit_status", status);
}

void Segment::saved(std::int64_t step) {
    final_step_ = step;
    write_end(status_running);
}

void Segment::finish(int exit_status) {
    write_end(exit_status);
}

namespace {

std::string state_text(std::int64_t status) {
    switch (status) {
    case status_running:
        return "running, or killed outright";
    case 0:
        return "complete";
    case 1:
        return "internal error";
    case 2:
        return "bad input";
    case 3:
        return "diverged";
    case 4:
        return "I/O error";
    case 5:
        return "interrupted (resumable)";
    default:
        return "unknown";
    }
}

std::string string_attr(const h5::Group& g, const std::string& name) {
    return g.has_attr(name) ? g.read_attr_string(name) : "?";
}

std::int64_t int_attr(const h5::Group& g, const std::string& name) {
    return g.has_attr(name) ? g.read_attr_int64(name) : -1;
}

} // namespace

void describe_provenance(const h5::Group& root, std::ostream& out) {
    if (root.has_attr("exit_status"))
        out << "run: " << state_text(root.read_attr_int64("exit_status")) << " at step "
            << root.read_attr_int64("final_step") << " (exit status "
            << root.read_attr_int64("exit_status") << ")\n";
    if (!root.exists("segments")) return;
    const h5::Group segments = root.open_group("segments");
    const std::vector<std::string> names = segments.children();
    out << "run segments: " << names.size() << '\n';
    for (const std::string& name : names) {
        const h5::Group g = segments.open_group(name);
        out << "  " << name << ' ' << string_attr(g, "kind") << ": " << string_attr(g, "start_utc")
            << " .. " << string_attr(g, "end_utc") << "  steps " << int_attr(g, "first_step")
            << ".." << int_attr(g, "final_step") << "  exit " << int_attr(g, "exit_status")
            << "  wall " << std::fixed << std::setprecision(1)
            << (g.has_attr("wall_time") ? g.read_attr_double("wall_time") : 0.0) << " s\n"
            << std::defaultfloat << "      host " << string_attr(g, "host") << "  threads "
            << int_attr(g, "threads") << "  ranks " << int_attr(g, "ranks");
        if (const std::string job = string_attr(g, "batch_job"); !job.empty() && job != "?")
            out << "  job " << job;
        out << "\n      ssbsim " << string_attr(g, "ssbsim_version") << "  commit "
            << string_attr(g, "git_commit") << (int_attr(g, "git_dirty") == 1 ? " (dirty)" : "")
            << "  " << string_attr(g, "compiler") << "  " << string_attr(g, "compile_flags")
            << '\n';
    }
}

} // namespace ssbsim
