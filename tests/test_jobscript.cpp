// `ssbsim jobscript`: the SLURM script's content (array over the scan's points in deck order,
// threads, signal and requeue, exec ... --resume, logs per point), that it is valid bash whose
// directives sbatch reads, and that running it as array task I runs point I (once).
#include "cli.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// sbatch reads #SBATCH lines only before the first command.
void require_directives_first(const std::string& script) {
    std::istringstream in(script);
    bool commands = false;
    for (std::string line; std::getline(in, line);) {
        INFO(line);
        if (line.starts_with("#SBATCH")) REQUIRE_FALSE(commands);
        if (!line.empty() && !line.starts_with("#")) commands = true;
    }
}

} // namespace

TEST_CASE("jobscript: an array job over the scan's points", "[jobscript]") {
    Scratch s("jobscript");
    const std::string deck = deck_path("binder_scan_2d.ini");
    const Result r =
        run_ssbsim(s, "jobscript '" + deck + "' --threads 2 --concurrent 3 --time 1:30:00");
    REQUIRE(r.status == 0);
    const std::string& j = r.out;
    INFO(j);
    REQUIRE(j.starts_with("#!/bin/bash\n"));
    for (const std::string line :
         {"#SBATCH --job-name=binder_scan_2d\n", "#SBATCH --array=0-14%3\n", "#SBATCH --ntasks=1\n",
          "#SBATCH --cpus-per-task=2\n", "#SBATCH --time=1:30:00\n",
          "#SBATCH --signal=B:USR1@120\n", "#SBATCH --requeue\n", "#SBATCH --open-mode=append\n",
          "#SBATCH --output=binder_scan_2d_%a.log\n",
          "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-2}\n", "export OMP_PROC_BIND=close\n",
          "exec \"$ssbsim\" run \"$deck\" --point \"$SLURM_ARRAY_TASK_ID\" --resume\n",
          "# 0  binder_scan_2d_dims=8x8_m2=-1.35.h5\n",
          "# 14  binder_scan_2d_dims=32x32_m2=-1.19.h5\n"})
        REQUIRE(has(j, line));
    REQUIRE(has(j, "deck='" + std::filesystem::path(deck).lexically_normal().string() + "'\n"));
    REQUIRE(has(j, "ssbsim='" + std::string(SSBSIM_BINARY) + "'\n"));
    require_directives_first(j);
    s.write("job.sh", j);
    REQUIRE(std::system(("bash -n '" + s.path("job.sh") + "'").c_str()) == 0);
    // Without --concurrent every task may run at once.
    REQUIRE(has(run_ssbsim(s, "jobscript '" + deck + "'").out, "#SBATCH --array=0-14%15\n"));
}

TEST_CASE("jobscript: array task I runs point I with --resume, once", "[jobscript]") {
    Scratch s("jobscript-run");
    s.write("scan.ini", "[action]\nlambda = 1\nm2 = -1\n[lattice]\ndims = 6 6\n[dynamics]\n"
                        "steps = 40\n[checkpoint]\nkeep = false\n[scan]\nrun.seed = 1, 2, 3\n");
    const Result r = run_ssbsim(s, "jobscript scan.ini");
    REQUIRE(r.status == 0);
    s.write("job.sh", r.out);
    const std::string task = "cd '" + s.dir.string() +
                             "' && SLURM_ARRAY_TASK_ID=1 SLURM_CPUS_PER_TASK=1 bash job.sh "
                             "> task.out 2> task.err";
    REQUIRE(std::system(task.c_str()) == 0);
    REQUIRE_FALSE(std::filesystem::exists(s.path("scan_seed=1.h5")));
    const h5::File f = h5::File::open_read(s.path("scan_seed=2.h5"));
    REQUIRE(f.root().read_attr_int64("exit_status") == 0);
    REQUIRE(f.root().open_group("segments").read_attr_string("description").size() > 0);
    REQUIRE(f.root().open_group("segments/000").read_attr_int64("threads") == 1);
    // The same task again (a requeue, or the array submitted again) does not run it twice.
    REQUIRE(std::system(task.c_str()) == 0);
    REQUIRE(has(slurp(s.path("task.err")), "is complete (step 40"));
    REQUIRE(h5::File::open_read(s.path("scan_seed=2.h5"))
                .root()
                .open_group("segments")
                .children()
                .size() == 1);
}

TEST_CASE("jobscript: a deck without [scan] is a single job; --ranks runs srun with the ranks",
          "[jobscript]") {
    Scratch s("jobscript-single");
    const Result r = run_ssbsim(s, "jobscript '" + deck_path("anneal.ini") + "' --ranks 4");
    REQUIRE(r.status == 0);
    INFO(r.out);
    REQUIRE_FALSE(has(r.out, "--array"));
    REQUIRE(has(r.out, "#SBATCH --output=anneal_%j.log\n"));
    REQUIRE(has(r.out, "#SBATCH --ntasks=4\n"));
    REQUIRE(has(r.out, "\nexec srun --ntasks=4 --cpus-per-task=1 --kill-on-bad-exit=1 "
                       "\"$ssbsim\" run \"$deck\" --resume\n"));
    REQUIRE(has(r.out, "4 MPI ranks x 1 threads"));
    require_directives_first(r.out);
    for (const std::string bad : {"--threads 0", "--concurrent 0", "--ranks 0", "--time soon"}) {
        INFO(bad);
        const Result e = run_ssbsim(s, "jobscript '" + deck_path("anneal.ini") + "' " + bad);
        REQUIRE(e.status == 2);
        REQUIRE(e.out.empty());
    }
    s.write("bad.ini", "[scan]\naction.lambda = 1, -1\n");
    REQUIRE(run_ssbsim(s, "jobscript bad.ini").status == 2);
}
