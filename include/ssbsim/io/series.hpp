// A group of datasets that grow together, one row per measurement: a `step` column and named
// columns of fixed row shape. The rows are stored once, in the f64 table /records/<name>; the
// named datasets /<name>/<column> are virtual views of it, so all columns have the same length
// whatever instant the writer dies (docs/output.md).
// Used for /observables, /replicas, /layers and /configurations. Tested by test_output and
// test_checkpoint.
#pragma once

#include "ssbsim/io/hdf5.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
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

// Rows [0, n) that were completely written: steps are non-negative and strictly increasing, and
// a row a killed writer extended but never filled reads as NaN (step INT64_MIN).
std::size_t committed_rows(const std::vector<std::int64_t>& steps);

// Every column of a series as stored, read from its table in one pass over blocks of rows: one
// read per block instead of one walk of the whole table per view (a view's read maps every row
// separately, ~100x slower on 10^7 rows). Steps as the `step` view gives them (a NaN fill row
// as INT64_MIN). Throws IoError when the table or its layout attributes are missing.
struct SeriesData {
    struct Column {
        std::vector<std::uint64_t> row_shape; // the view's shape without the row dimension
        std::vector<double> values;           // rows x prod(row_shape), row-major
    };
    std::vector<std::int64_t> steps;
    std::map<std::string, Column> columns; // every column but step
};
// `skip` names columns not to read (e.g. the correlators, d x L_max per row, which analyze does
// not average).
SeriesData read_series(const h5::Group& root, const std::string& name,
                       const std::vector<std::string>& skip = {});

class Series {
  public:
    // Creates the table and the group of views (step first). Table rows are [step, columns...]
    // flattened; with `shaped_last`, they have the last column's shape instead, with slabs for
    // the step and the other (scalar) columns in front along its first axis, so that a field
    // is one block of the table: HDF5 reads a view of the table's own shape fast.
    Series(h5::Group& root, const std::string& name, const std::string& description,
           const std::vector<ColumnSpec>& columns, int gzip_level = 0, bool shaped_last = false);
    // Opens an existing series for appending.
    Series(const h5::Group& root, const std::string& name);

    // values: every column's row, flattened, in column order. Buffered until write_pending.
    void append(std::int64_t step, std::span<const double> values);
    std::size_t pending() const { return pending_.size() / width_; }
    void write_pending();
    // Writes one row at once from consecutive pieces (a field is written without a copy).
    void write_row(std::int64_t step, std::initializer_list<std::span<const double>> pieces);
    // The next part of a column that arrives in parts (empty: no more), in `buffer` if need be.
    using NextPart = std::function<std::span<const double>(std::vector<double>& buffer)>;
    // Writes one row whose last column arrives in `parts` consecutive parts from next_part (a
    // field slab by slab from the ranks, never whole in memory), each one block of the table
    // (whole slabs of the column's first axis); `pieces` are the columns before it.
    void write_row(std::int64_t step, std::initializer_list<std::span<const double>> pieces,
                   std::size_t parts, const NextPart& next_part);

    // Steps of the committed rows (see committed_rows).
    std::vector<std::int64_t> steps() const;
    void truncate(std::uint64_t rows);

    struct Layout; // the table's row shape and where each column sits in a row

  private:
    Series(h5::Group& root, const std::string& name, const std::string& description,
           const std::vector<ColumnSpec>& columns, int gzip_level, const Layout& layout);

    void write_row_from(std::int64_t step, const std::vector<std::span<const double>>& header,
                        std::size_t parts, const NextPart& next_part);

    h5::Dataset table_;
    std::uint64_t width_;               // elements per table row
    std::vector<std::int64_t> offsets_; // of step and each column within a row
    std::vector<std::int64_t> widths_;  // elements of step (1) and each column
    std::vector<double> pending_;
};

} // namespace ssbsim
