// Checkpoints: everything needed to continue a run bit for bit (the State: field, step, training
// time, next step size; the schedule position and the noise position are the step) plus the
// resolved deck and version. Written atomically: a temporary file, flushed and fsync'ed, renamed
// over the previous checkpoint, which is kept as `<file>.bak`. Tested by test_checkpoint.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <string>
#include <vector>

namespace ssbsim {

// checkpoint.file, or run.output with its .h5 suffix replaced by .ckpt.h5.
std::string checkpoint_path(const Config& config);
std::string backup_path(const std::string& checkpoint);

// The field datasets carry Fletcher32 checksums; the temporary file is removed if writing fails.
void write_checkpoint(const std::string& path, const State& state, const Config& config,
                      const OutputMark& mark = {});
// The same from every rank of domain, together, each with its part of the state (the fields on
// domain.local()): one file written collectively through MPI-IO, each rank's own slices as a
// hyperslab (no rank holds the whole field), then synced and renamed by the root. Every rank
// must pass the same step, times, deck and mark. Without a split, the call above.
void write_checkpoint(const std::string& path, const Domain& domain, const State& state,
                      const Config& config, const OutputMark& mark);
// Deletes the checkpoint and its backup (checkpoint.keep = false at the end of a run).
void remove_checkpoint(const std::string& path);

struct LoadedCheckpoint {
    State state;
    std::string deck_text;      // the resolved deck of the run that wrote it
    std::string path;           // the file it came from (the backup if the main one was damaged)
    OutputMark mark;            // step -1 if the checkpoint has none
    std::int64_t run_steps = 0; // dynamics.steps of the run that wrote it
    std::vector<std::string> warnings;
};

// Reads the checkpoint (with a split domain: every rank together, each its own slices of the
// fields, onto domain.local(); a file any rank finds damaged is damaged for all), falling back to
// the backup (with a warning) if the main file is missing its completion mark, unreadable, fails a
// checksum, holds non-finite numbers or a step outside [0, its run's dynamics.steps]. Throws
// InputError when neither is usable, or naming the key (lattice.dims, field.components,
// run.replicas) when the checkpoint is of another shape.
LoadedCheckpoint read_checkpoint(const std::string& path, const Domain& domain, int components,
                                 int replicas);

// Deck keys whose values (Config::key_values) differ between the checkpointed run and this one,
// ignoring those the key table marks resume_may_change (run.output, dynamics.steps, measure.*,
// checkpoint.*, ...): they do not change the physics of the continued trajectory.
std::vector<std::string> physics_differences(const Config& checkpointed, const Config& now);

} // namespace ssbsim
