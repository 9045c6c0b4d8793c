#include "ssbsim/app/jobscript.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/version.hpp"

#include <filesystem>
#include <regex>
#include <sstream>

namespace ssbsim {

namespace {

void check_options(const JobScriptOptions& o) {
    if (o.threads < 1)
        throw InputError("jobscript: --threads " + std::to_string(o.threads) +
                         " must be at least 1");
    if (o.concurrent && *o.concurrent < 1)
        throw InputError("jobscript: --concurrent " + std::to_string(*o.concurrent) +
                         " must be at least 1");
    if (o.ranks < 1)
        throw InputError("jobscript: --ranks " + std::to_string(o.ranks) + " must be at least 1");
    // sbatch's forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
    static const std::regex time(R"(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2})");
    if (!std::regex_match(o.time, time))
        throw InputError("jobscript: --time '" + o.time +
                         "' is not a SLURM time limit (minutes, HH:MM:SS or D-HH:MM:SS)");
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (const char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string stem_of(const std::string& deck) {
    return std::filesystem::path(deck).stem().string();
}

void header(std::ostream& out, const JobScriptInput& in, bool array) {
    const std::size_t n = in.points.size();
    out << "#!/bin/bash\n"
        << "# SLURM " << (array ? "array job" : "job") << " for " << in.deck << '\n';
    if (array)
        out << "# " << n << " points of its [scan], one array task each: task I runs point I\n"
            << "# (ssbsim run DECK --list-points; the table at the end of this script).\n";
    out << "# Written by `ssbsim jobscript` (ssbsim " << version
        << "); nothing was submitted: edit it like any job\n"
        << "# script, then submit it with `sbatch` from the directory the outputs and logs go to.\n"
        << "# The time limit sends SIGUSR1 120 s ahead; ssbsim then writes a checkpoint and exits "
           "with\n"
        << "# status 5, as on scancel or a requeue. A requeued task, or this script submitted "
           "again,\n"
        << "# continues with --resume; a point that is complete ends at once without running.\n";
}

void directives(std::ostream& out, const JobScriptInput& in, const JobScriptOptions& o,
                bool array) {
    const std::string stem = stem_of(in.deck);
    const std::size_t n = in.points.size();
    out << "#SBATCH --job-name=" << stem << '\n';
    if (array)
        out << "#SBATCH --array=0-" << n - 1 << '%' << o.concurrent.value_or(static_cast<int>(n))
            << '\n';
    out << "#SBATCH --ntasks=" << o.ranks << '\n'
        << "#SBATCH --cpus-per-task=" << o.threads << '\n'
        << "#SBATCH --time=" << o.time << '\n'
        << "#SBATCH --signal=B:USR1@120\n"
        << "#SBATCH --requeue\n"
        << "#SBATCH --open-mode=append\n"
        << "#SBATCH --output=" << stem << (array ? "_%a.log" : "_%j.log") << '\n';
}

} // namespace

std::string slurm_script(const JobScriptInput& in, const JobScriptOptions& o) {
    check_options(o);
    const bool array = in.points.size() > 1 || !in.points.front().label.empty();
    std::ostringstream out;
    header(out, in, array);
    directives(out, in, o, array);
    out << "\nexport OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-" << o.threads << "}\n"
        << "export OMP_PROC_BIND=close\n"
        << "export OMP_PLACES=cores\n"
        << "ssbsim=" << quoted(in.program) << '\n'
        << "deck=" << quoted(in.deck) << "\n\n";
    const std::string run =
        array ? "\"$ssbsim\" run \"$deck\" --point \"$SLURM_ARRAY_TASK_ID\" --resume"
              : "\"$ssbsim\" run \"$deck\" --resume";
    // More than one rank: srun starts them (each an MPI rank with OMP_NUM_THREADS threads) and
    // passes the batch script's signals on to every one.
    const std::string launch = o.ranks > 1 ? "srun --ntasks=" + std::to_string(o.ranks) +
                                                 " --cpus-per-task=" + std::to_string(o.threads) +
                                                 " --kill-on-bad-exit=1 "
                                           : std::string();
    if (o.ranks > 1)
        out << "# " << o.ranks << " MPI ranks x " << o.threads
            << " threads: the lattice is split into slabs of axis 1, one per rank (at least one\n"
            << "# slice each); the run writes the same files, bit for bit, as on one rank.\n";
    out << "# exec: ssbsim itself receives the signals (SIGUSR1, SIGTERM).\n"
        << "exec " << launch << run << '\n';
    if (array) {
        out << "\n# point  output\n";
        for (std::size_t i = 0; i < in.points.size(); ++i)
            out << "# " << i << "  " << in.points[i].output << '\n';
    }
    return out.str();
}

} // namespace ssbsim
