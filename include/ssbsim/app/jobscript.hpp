// `ssbsim jobscript DECK`: a ready SLURM batch script for a deck, printed, never submitted. A
// [scan] becomes an array job, task I running point I with --resume (requeue-safe: a complete
// point ends at once, an interrupted one continues); without [scan], a single job.
// Tested by tests/test_jobscript.cpp (content) and tests/cluster/ (on a real SLURM).
#pragma once

#include "ssbsim/deck/deck.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ssbsim {

struct JobScriptOptions {
    int threads = 1;               // --cpus-per-task and OMP_NUM_THREADS
    std::optional<int> concurrent; // array tasks running at once (default: all)
    std::string time = "24:00:00"; // --time, any SLURM format
    int ranks = 1;                 // MPI ranks per point (> 1: srun splits the lattice)
};

struct JobScriptInput {
    std::string deck;    // absolute path of the deck
    std::string program; // absolute path of the ssbsim executable
    std::vector<ScanPoint> points;
};

// Throws InputError for options out of range or a malformed time.
std::string slurm_script(const JobScriptInput& input, const JobScriptOptions& options);

} // namespace ssbsim
