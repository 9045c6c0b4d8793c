// A thin RAII layer over the HDF5 C API: files, groups, attributes and (extendible) datasets,
// with every HDF5 failure turned into an ssbsim::IoError and HDF5's own stderr traces silenced.
// Keeps <hdf5.h> out of every other translation unit. Tested by tests/test_hdf5.cpp.
#pragma once

#include "ssbsim/core/comm.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ssbsim::h5 {

// HDF5 identifiers are 64-bit (hid_t == int64_t since 1.10); the .cpp asserts it, so this header
// does not need <hdf5.h>.
using Id = std::int64_t;

// Owns one HDF5 identifier and releases it with the close function matching its kind.
class Handle {
  public:
    enum class Kind { file, group, dataset, attribute, dataspace, datatype, plist, object };

    Handle() = default;
    Handle(Id id, Kind kind) noexcept : id_(id), kind_(kind) {}
    Handle(Handle&& other) noexcept;
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { close(); }

    Id get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }
    // Returns false if HDF5 reported a failure; the destructor has to ignore it, File::close
    // does not.
    bool close() noexcept;

  private:
    Id id_ = -1;
    Kind kind_ = Kind::object;
};

// On-disk element type of numeric datasets (always little-endian IEEE / two's complement).
enum class Dtype { f64, i64 };

// Anything that carries attributes: groups and datasets. Knows its file and in-file name so
// that error messages can say exactly what failed.
class Object {
  public:
    Id id() const noexcept { return handle_.get(); }
    const std::string& file_path() const noexcept { return file_path_; }
    const std::string& name() const noexcept { return name_; } // absolute, e.g. "/fields/phi"

    bool has_attr(const std::string& attr) const;

    // Writing replaces an existing attribute of the same name, whatever its old type/shape.
    // Strings are stored as variable-length UTF-8 (h5py reads them as str).
    void write_attr(const std::string& attr, const std::string& value);
    void write_attr(const std::string& attr, double value);
    void write_attr(const std::string& attr, std::int64_t value);
    void write_attr(const std::string& attr, const std::vector<double>& values);
    void write_attr(const std::string& attr, const std::vector<std::int64_t>& values);
    void write_attr(const std::string& attr, const std::vector<std::string>& values);
    // Other integer types would make write_attr(name, 3) ambiguous between double and int64.
    template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool> &&
             !std::is_same_v<T, std::int64_t>) void write_attr(const std::string& attr, T value) {
        write_attr(attr, to_int64(value, attr));
    }

    // Scalar readers require exactly one element; vector readers flatten any shape.
    // Fixed-length and variable-length strings are both accepted.
    std::string read_attr_string(const std::string& attr) const;
    double read_attr_double(const std::string& attr) const; // integer attributes convert
    std::int64_t read_attr_int64(const std::string& attr) const;
    std::vector<double> read_attr_doubles(const std::string& attr) const;
    std::vector<std::int64_t> read_attr_int64s(const std::string& attr) const;
    std::vector<std::string> read_attr_strings(const std::string& attr) const;

  protected:
    Object(Handle handle, std::string file_path, std::string name)
        : handle_(std::move(handle)), file_path_(std::move(file_path)), name_(std::move(name)) {}

    Handle handle_;
    std::string file_path_;
    std::string name_;

  private:
    template <class T>
    std::int64_t to_int64(T value, const std::string& attr) const {
        if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
            if (value > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
                throw_int64_overflow(attr);
            }
        }
        return static_cast<std::int64_t>(value);
    }
    [[noreturn]] void throw_int64_overflow(const std::string& attr) const;
};

class Dataset : public Object {
  public:
    std::vector<std::uint64_t> shape() const; // empty for a scalar dataset
    Dtype dtype() const;

    // Grows the first (unlimited) dimension by n_rows and writes them; `data` holds
    // n_rows * prod(shape()[1..]) elements in C order. No heap allocation on our side.
    void append(const double* data, std::uint64_t n_rows);
    void append(const std::int64_t* data, std::uint64_t n_rows);
    // Shrinks the first dimension to n_rows (<= current), e.g. back to a checkpoint on resume.
    void truncate_rows(std::uint64_t n_rows);
    // Grows the first dimension by n_rows (fill values until written); returns the old count.
    std::uint64_t extend_rows(std::uint64_t n_rows);
    // Writes the elements [offset, offset + n) (C order within a row) of row `row`; they must
    // form one block (see Group::create_view).
    void write_part(std::uint64_t row, std::uint64_t offset, const double* data, std::uint64_t n);
    // The block [start, start + count) (one entry per dimension) from `data` in C order. In a
    // file created by several ranks (File::create with a split Communicator) every rank calls it
    // together, each with its own block (possibly empty): one collective write.
    void write_block(const std::vector<std::uint64_t>& start,
                     const std::vector<std::uint64_t>& count, const double* data);
    // The block [start, start + count), flattened in C order.
    std::vector<double> read_block(const std::vector<std::uint64_t>& start,
                                   const std::vector<std::uint64_t>& count) const;

    // Whole dataset, flattened in C order; HDF5 converts integer data to double.
    std::vector<double> read_double() const;
    std::vector<std::int64_t> read_int64() const;
    // Rows [first_row, first_row + n_rows) along the first dimension, flattened.
    std::vector<double> read_rows_double(std::uint64_t first_row, std::uint64_t n_rows) const;
    std::vector<std::int64_t> read_rows_int64(std::uint64_t first_row, std::uint64_t n_rows) const;
    // The element at `offset` (C order within a row) of every row.
    std::vector<double> read_element(std::uint64_t offset) const;

    // One label per dimension, stored as the string-array attribute "dimension_labels".
    void set_dimension_labels(const std::vector<std::string>& labels);
    std::vector<std::string> dimension_labels() const;
    // HDF5 dimension scales (H5DS, the netCDF-4 data model that xarray/h5netcdf read): makes
    // this 1-D dataset the scale of dimension `name` (a netCDF coordinate variable when `name`
    // is the dataset's own name), or attaches `scale` to axis `axis` of this dataset.
    void make_dimension_scale(const std::string& name);
    void attach_dimension_scale(const Dataset& scale, unsigned axis);

  private:
    friend class Group;
    using Object::Object;

    void append_raw(Id mem_type, const void* data, std::uint64_t n_rows);
    void read_rows_raw(Id mem_type, void* out, std::uint64_t first_row, std::uint64_t n_rows) const;
    std::uint64_t row_elements() const;
};

class Group : public Object {
  public:
    // Intermediate groups in "a/b" are created as needed.
    Group create_group(const std::string& name);
    Group open_group(const std::string& name) const;
    // True if every component of the (possibly nested) path exists and resolves to an object;
    // never throws for missing intermediate groups.
    bool exists(const std::string& name) const;
    // Names of the direct children, in name order.
    std::vector<std::string> children() const;

    // Shape [0, row_shape...], first dimension unlimited, chunks of [chunk_rows, row_shape...],
    // shuffle + deflate when gzip_level (0..9) is non-zero.
    Dataset create_extendible(const std::string& name, Dtype dtype,
                              const std::vector<std::uint64_t>& row_shape, std::uint64_t chunk_rows,
                              int gzip_level);
    // A table: f64 [rows, row_shape...], rows unlimited, chunks of at most ~1 MiB, fill value
    // NaN (a row that never reached the disk reads as NaN, never as plausible zeros).
    Dataset create_table(const std::string& name, const std::vector<std::uint64_t>& row_shape,
                         int gzip_level);
    // A virtual dataset [rows, row_shape...] showing the elements [offset, offset +
    // prod(row_shape)) of each row of `table` (same file), which must form one block: whole
    // slabs of one axis of the row, or part of one innermost line. It always has exactly the
    // table's row count, and HDF5 converts the values to `dtype` on reading.
    Dataset create_view(const std::string& name, Dtype dtype,
                        const std::vector<std::uint64_t>& row_shape, const Dataset& table,
                        std::uint64_t offset);
    // Fixed-shape dataset written in one go; an empty shape makes a scalar. With `checksum`, each
    // chunk carries a Fletcher32 checksum that HDF5 verifies on every read (a damaged chunk is
    // an IoError, never silently wrong numbers).
    Dataset write_dataset(const std::string& name, const double* data,
                          const std::vector<std::uint64_t>& shape, int gzip_level = 0,
                          bool checksum = false);
    Dataset write_dataset(const std::string& name, const std::int64_t* data,
                          const std::vector<std::uint64_t>& shape, int gzip_level = 0,
                          bool checksum = false);
    // write_dataset's fixed-shape dataset with its values left to Dataset::write_block.
    Dataset create_dataset(const std::string& name, Dtype dtype,
                           const std::vector<std::uint64_t>& shape, int gzip_level = 0,
                           bool checksum = false);
    Dataset open_dataset(const std::string& name) const;
    // A netCDF-4 dimension that is not a variable: int64 [length] holding 0..length-1, a
    // dimension scale named so that netCDF readers list it as a dimension only.
    Dataset create_dimension(const std::string& name, std::uint64_t length);

  private:
    friend class File;
    using Object::Object;

    Dataset write_fixed(const std::string& name, Dtype dtype, Id mem_type, const void* data,
                        const std::vector<std::uint64_t>& shape, int gzip_level, bool checksum);
};

class File {
  public:
    // Refuses an existing file unless `overwrite`, in which case it is truncated. Files are
    // crash-safe between flushes: a version-0 superblock (no consistency flag that a killed
    // writer would leave set) and a metadata cache that writes only inside flush().
    static File create(const std::string& path, bool overwrite);
    // One file written by all ranks of `ranks` together through the MPI-IO driver of the
    // parallel HDF5 (checkpoints): every rank makes every call that creates or changes an object
    // or attribute, in the same order with the same values, and writes its own blocks of the
    // datasets (Dataset::write_block). Closing is collective too. No HDF5 file lock (the MPI-IO
    // driver has none); the caller writes it under a temporary name. Without a split,
    // create(path, overwrite).
    static File create(const std::string& path, bool overwrite, const Communicator& ranks);
    static File open_read(const std::string& path);
    static File open_rw(const std::string& path);

    void flush();
    // Renames the (open) file, e.g. from a temporary name once its first flush made it valid.
    void rename(const std::string& to);
    // Explicit close that reports failure (the destructor cannot). Objects still open keep the
    // file open until they are closed as well.
    void close();
    const std::string& path() const noexcept { return path_; }
    Group root() const;
    Id id() const noexcept { return handle_.get(); }

  private:
    File(Handle handle, std::string path) : handle_(std::move(handle)), path_(std::move(path)) {}
    static File open(const std::string& path, bool writable);
    static Handle access_plist(const std::string& path);

    Handle handle_;
    std::string path_;
};

// True if `path` exists and is an HDF5 file; false (never an error) otherwise.
bool is_hdf5(const std::string& path);

} // namespace ssbsim::h5
