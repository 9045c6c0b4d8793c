// Every file a run will write, planned and checked before the first step, and the lock that keeps
// a second run off an output while one writes it. One place for the rules (README, "Crash
// safety"): the files of a run are distinct from each other, from the deck and from the input
// files; each is a regular file or absent, in a writable directory, with a name the file system
// accepts; an existing output is replaced only with run.overwrite, an existing checkpoint only if
// it is an ssbsim checkpoint (or with run.overwrite). Tested by tests/test_paths.cpp.
#pragma once

#include "ssbsim/deck/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssbsim {

// The files one run writes (or renames, or removes).
struct RunPaths {
    std::string output;         // run.output
    std::string output_part;    // run.output + ".part": the output while it is being created
    std::string checkpoint;     // checkpoint.file, or <output stem>.ckpt.h5
    std::string checkpoint_tmp; // the checkpoint being written, renamed over `checkpoint`
    std::string checkpoint_bak; // the previous checkpoint
    std::string lock;           // run.output + ".lock": the advisory lock (OutputLock)

    // Each file with the deck key that names it, in the order above.
    std::vector<std::pair<std::string, std::string>> named() const;
};

RunPaths plan_paths(const Config& config);

// What the run will do with the files that exist.
struct PathCheck {
    std::string deck_file; // the deck (never written); empty if unknown
    bool resume = false;   // --resume: the output and checkpoint are continued, not replaced
};

// Throws InputError naming the deck key, the path and the rule it breaks. Nothing is created
// (the writability probe of each directory is removed again).
void check_run_paths(const Config& config, const RunPaths& paths, const PathCheck& check);

// The rules for one file written outside a run (ssbsim measure's output and its .part): a name
// the file system accepts, in a writable directory, a regular file or absent. `key` names it in
// the message.
void check_output_file(const std::string& key, const std::string& path);

// The points of a scan: no file of one point may be a file of another (e.g. two points whose
// values give the same file name). Throws InputError naming both points.
void check_distinct_points(const std::vector<RunPaths>& points,
                           const std::vector<std::string>& labels);

// Removes the output's .part and the checkpoint's .tmp that a run killed outright (SIGKILL, node
// failure) can leave; call with the lock held.
void remove_leftovers(const RunPaths& paths);

// True if `path` is an HDF5 file written by write_checkpoint (its root description says so).
bool is_ssbsim_checkpoint(const std::string& path);

// An exclusive advisory lock (flock) on the lock file of a run's output, held while the run
// writes it; the file holds the holder's PID. A second run on the same output is refused with
// InputError naming that PID. Where the file system has no flock (Lustre mounted without
// `flock`), the run goes on unlocked after a warning in `warning()`.
class OutputLock {
  public:
    explicit OutputLock(const std::string& lock_path);
    ~OutputLock(); // removes the lock file, then releases the lock
    OutputLock(const OutputLock&) = delete;
    OutputLock& operator=(const OutputLock&) = delete;

    const std::string& warning() const { return warning_; }

  private:
    std::string path_;
    int fd_ = -1;
    std::string warning_;
};

// Notices that the output was removed or replaced while the run was writing it (`rm out.h5`
// during a run: the data go to a file nobody can open). Records the file's (device, inode) at
// construction; check() throws IoError if the path no longer names that file.
class OutputGuard {
  public:
    explicit OutputGuard(std::string path);
    void check() const;

  private:
    std::string path_;
    std::uint64_t device_ = 0, inode_ = 0;
};

} // namespace ssbsim
