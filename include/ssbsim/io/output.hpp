// The HDF5 output file of a run: self-description (version, resolved deck, both action
// parametrisations, units and a description on every dataset), the observables appended as the
// run goes, and saved configurations. Layout: docs/output.md. Tested by test_output and the
// deck-level tests.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/series.hpp"
#include "ssbsim/measure/measurement.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace ssbsim {

// The output's last measurement, recorded in each checkpoint: on --resume the output must still
// hold that row, bit for bit, or the two files do not belong together (another run's output, a
// copy, a file truncated behind the checkpoint's back).
struct OutputMark {
    std::int64_t step = -1; // -1: no mark (checkpoints of earlier versions)
    double time = 0.0;      // /observables/time of that row
    double action = 0.0;    // /observables/action of that row
};

// Empty if `output` holds the measurement `mark` bit for bit (or the mark is unset); else why not.
std::string output_mismatch(const std::string& output, const OutputMark& mark);

class OutputWriter {
  public:
    // Creates config.run.output (refusing an existing file unless run.overwrite) and writes the
    // file's self-description. With saved_replicas = R > 1, /configurations also holds every
    // replica's field (`replica_field`; ssbsim measure writes it, a run saves replica 0 only).
    OutputWriter(const Config& config, const Lattice& lattice, int saved_replicas = 1);

    // Reopens the output of an interrupted run to continue after `step` (a checkpoint's step):
    // drops every row written after it, and the end-of-run extras at `step` that an
    // uninterrupted run would not have, so the continued file equals an uninterrupted one.
    static OutputWriter resume(const Config& config, std::int64_t step);

    // Buffers one measurement; written in batches.
    void record(const Measurement& m);
    void save_configuration(std::int64_t step, double time, const Field& phi);
    // The same field (replica 0) in `parts` consecutive parts of whole slices of its first axis,
    // as [site][component] (a split run's slabs, which the root receives and writes one after
    // the other: the whole field is never in one rank's memory). Needs saved_replicas = 1.
    void save_configuration(std::int64_t step, double time, std::size_t parts,
                            const Series::NextPart& next_part);
    // Every replica's field with saved_replicas > 1, else replica 0's.
    void save_configurations(std::int64_t step, double time, const std::vector<Field>& phi);
    // Writes buffered records and flushes the file to disk.
    void flush();
    // The file's root group, for the run's provenance records (provenance.hpp).
    h5::Group root() const { return file_.root(); }
    // The last measurement recorded (or kept by resume); step -1 if none.
    const OutputMark& mark() const { return mark_; }

  private:
    OutputWriter(const Config& config, h5::File file);
    std::vector<Series*> all_series();
    void add_configurations(h5::Group& root, const Config& config, const Lattice& lattice,
                            int saved_replicas);

    int saved_replicas_ = 1;
    std::vector<std::size_t> record_widths_; // per observable, observable_specs() order
    std::optional<double> hopping_lambda_;   // lambda_K with action.form = hopping
    std::size_t action_offset_;              // of S/V in a record
    std::chrono::steady_clock::time_point last_flush_;
    OutputMark mark_;
    h5::File file_;
    std::optional<Series> observables_;    // /observables: replica 0
    std::optional<Series> replicas_;       // /replicas: every replica, overlap, distance
    std::optional<Series> layers_;         // /layers: per-layer observables
    std::optional<Series> configurations_; // /configurations: saved fields
};

} // namespace ssbsim

namespace ssbsim {

// `ssbsim info`: version, lattice, last step, completion and run segments (provenance.hpp),
// datasets with shapes and descriptions, the deck.
// Throws InputError if the file is not an HDF5 file.
void describe_file(const std::string& path, std::ostream& out);

} // namespace ssbsim
