// The HDF5 output file of a run: self-description (version, resolved deck, both action
// parametrisations, units and a description on every dataset), the observables appended as the
// run goes, and saved configurations. Layout: docs/output.md. Tested by test_output and the
// deck-level tests.
#pragma once

#include "ssbsim/config.hpp"
#include "ssbsim/field.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/lattice.hpp"

#include <chrono>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace ssbsim {

class OutputWriter {
public:
    // Creates config.run.output (refusing an existing file unless run.overwrite) and writes the
    // file's self-description.
    OutputWriter(const Config& config, const Lattice& lattice);

    // Reopens the output of an interrupted run to continue after `step` (a checkpoint's step):
    // drops every row written after it, and the end-of-run extras at `step` that an
    // uninterrupted run would not have, so the continued file equals an uninterrupted one.
    static OutputWriter resume(const Config& config, std::int64_t step);

    // Buffers one record (observable_specs() order); written in batches.
    void record(std::int64_t step, double time, std::span<const double> values);
    void save_configuration(std::int64_t step, double time, const Field& phi);
    // Writes buffered records and flushes the file to disk.
    void flush();

private:
    OutputWriter(const Config& config, h5::File file);
    void flush_if_stale();

    int components_;
    std::chrono::steady_clock::time_point last_flush_;
    h5::File file_;
    h5::Group observables_;
    h5::Group configurations_;
    std::vector<h5::Dataset> columns_; // step, time, then one per observable
    std::vector<std::int64_t> pending_steps_;
    std::vector<double> pending_values_; // time, then the record, per pending row
};

} // namespace ssbsim

namespace ssbsim {

// `ssbsim info`: version, lattice, datasets with shapes and descriptions, last step, the deck.
// Throws InputError if the file is not an HDF5 file.
void describe_file(const std::string& path, std::ostream& out);

} // namespace ssbsim
