// A group of extendible datasets that grow together, one row per measurement: a `step` column
// and named columns of fixed row shape. Rows are buffered and written in batches; the owner
// flushes the file afterwards, so on disk all columns always have the same length. Used for
// /observables, /replicas and /layers (docs/output.md). Tested through test_decks/test_checkpoint.
#pragma once

#include "ssbsim/io/hdf5.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ssbsim {

struct ColumnSpec {
    std::string name;
    std::vector<std::uint64_t> row_shape; // empty: one number per row
    std::string units;
    std::string description;
};

class Series {
  public:
    // Creates the group and its columns (step first).
    Series(h5::Group& parent, const std::string& name, const std::string& description,
           const std::vector<ColumnSpec>& columns);
    // Opens an existing group for appending (column order = `names`).
    Series(const h5::Group& parent, const std::string& name, const std::vector<std::string>& names);

    // values: every column's row, flattened, in column order.
    void append(std::int64_t step, std::span<const double> values);
    std::size_t pending() const { return pending_steps_.size(); }
    void write_pending();
    std::vector<std::int64_t> steps() const;
    void truncate(std::uint64_t rows);

  private:
    h5::Group group_;
    h5::Dataset step_;
    std::vector<h5::Dataset> columns_;
    std::vector<std::size_t> widths_;
    std::vector<std::int64_t> pending_steps_;
    std::vector<double> pending_values_;
};

} // namespace ssbsim
