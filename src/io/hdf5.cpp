// HDF5 RAII wrapper: see include/ssbsim/io/hdf5.hpp.
#include "ssbsim/io/hdf5.hpp"

#include "ssbsim/core/errors.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <sys/file.h>

#if SSBSIM_MPI && defined(H5_HAVE_PARALLEL)
#define SSBSIM_PARALLEL_HDF5 1
#include <mpi.h>
#else
#define SSBSIM_PARALLEL_HDF5 0
#endif

namespace ssbsim::h5 {

static_assert(std::is_same_v<hid_t, Id>, "Id must be able to hold any hid_t");

namespace {

using Kind = Handle::Kind;
using Dims = std::array<hsize_t, H5S_MAX_RANK>;

// The library is built thread-safe, which makes the automatic stack printer a per-thread
// setting: every entry point calls this so no thread ever sprays traces on stderr.
void quiet() noexcept {
    thread_local bool silenced = false;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

// What an operation acted on, rendered only when it failed so the hot path builds no strings.
struct Where {
    std::string_view file;
    std::string_view object = {}; // absolute in-file name; empty for the file itself
    std::string_view child = {};  // relative or absolute name below `object`, or an attribute
    bool child_is_attr = false;
};

std::string join_name(std::string_view parent, std::string_view child) {
    if (child.empty()) return std::string(parent);
    if (child.front() == '/' || parent.empty()) return std::string(child);
    std::string out(parent);
    if (out.back() != '/') out += '/';
    out += child;
    return out;
}

// Appends only: g++ 12 at -O3 reports a bogus -Wrestrict for `"'" + std::string(...)`.
std::string render(const Where& w) {
    std::string out = "'";
    out += w.file;
    if (!w.object.empty()) {
        out += ':';
        out += w.child_is_attr ? std::string(w.object) : join_name(w.object, w.child);
    }
    out += '\'';
    if (w.child_is_attr) {
        out += " attribute '";
        out += w.child;
        out += '\'';
    }
    return out;
}

Where at(const Object& o, std::string_view child = {}) {
    return {o.file_path(), o.name(), child, false};
}

Where attr_at(const Object& o, std::string_view attr) {
    return {o.file_path(), o.name(), attr, true};
}

herr_t collect_error(unsigned n, const H5E_error2_t* err, void* data) {
    // The innermost few frames say what actually went wrong (errno, signature, ...); the outer
    // ones just repeat the API call.
    constexpr unsigned max_frames = 2;
    if (n >= max_frames) return 0;
    auto& out = *static_cast<std::string*>(data);
    if (!out.empty()) out += "; ";
    std::string desc = err->desc != nullptr ? err->desc : "(no description)";
    // Some descriptions embed ctime() output with its newline; keep messages on one line.
    std::replace(desc.begin(), desc.end(), '\n', ' ');
    out += desc;
    std::array<char, 256> minor{};
    H5E_type_t type{};
    if (H5Eget_msg(err->min_num, &type, minor.data(), minor.size()) > 0) {
        out += " (";
        out += minor.data();
        out += ")";
    }
    return 0;
}

// Reads and clears the calling thread's error stack; must run before any further HDF5 call.
std::string take_error_stack() {
    std::string msgs;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &msgs);
    H5Eclear2(H5E_DEFAULT);
    return msgs.empty() ? "no details on the HDF5 error stack" : msgs;
}

[[noreturn]] void fail(std::string_view op, const Where& w) {
    const std::string stack = take_error_stack();
    throw IoError("HDF5: cannot " + std::string(op) + " " + render(w) + ": " + stack);
}

// A problem we detect ourselves (wrong type, out-of-range rows): nothing on the HDF5 stack.
[[noreturn]] void reject(std::string_view op, const Where& w, std::string_view why) {
    throw IoError("HDF5: cannot " + std::string(op) + " " + render(w) + ": " + std::string(why));
}

Handle checked(hid_t id, Kind kind, std::string_view op, const Where& w) {
    if (id < 0) fail(op, w);
    return Handle(id, kind);
}

void check(herr_t status, std::string_view op, const Where& w) {
    if (status < 0) fail(op, w);
}

bool check_tri(htri_t value, std::string_view op, const Where& w) {
    if (value < 0) fail(op, w);
    return value > 0;
}

Dims to_dims(const std::vector<std::uint64_t>& v) {
    Dims d{};
    std::copy(v.begin(), v.end(), d.begin());
    return d;
}

void check_rank(std::size_t rank) {
    if (rank > H5S_MAX_RANK) throw std::invalid_argument("HDF5 supports at most 32 dimensions");
}

void check_gzip(int level) {
    if (level < 0 || level > 9) throw std::invalid_argument("gzip level must be in 0..9");
}

hid_t file_type(Dtype t) {
    return t == Dtype::f64 ? H5T_IEEE_F64LE : H5T_STD_I64LE;
}

Handle make_space(const Dims& dims, int rank, const Dims* max, const Where& w) {
    const hid_t id = rank == 0 ? H5Screate(H5S_SCALAR)
                               : H5Screate_simple(rank, dims.data(), max ? max->data() : nullptr);
    return checked(id, Kind::dataspace, "create dataspace for", w);
}

Handle make_plist(hid_t cls, const Where& w) {
    return checked(H5Pcreate(cls), Kind::plist, "create property list for", w);
}

// Lets "a/b" create or name objects below groups that do not exist yet.
Handle make_lcpl(const Where& w) {
    Handle lcpl = make_plist(H5P_LINK_CREATE, w);
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), "configure link creation for", w);
    return lcpl;
}

Handle make_vlen_string_type(H5T_cset_t cset, const Where& w) {
    Handle t = checked(H5Tcopy(H5T_C_S1), Kind::datatype, "create string type for", w);
    check(H5Tset_size(t.get(), H5T_VARIABLE), "create string type for", w);
    check(H5Tset_cset(t.get(), cset), "create string type for", w);
    return t;
}

std::uint64_t element_count(hid_t space, std::string_view op, const Where& w) {
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0) fail(op, w);
    return static_cast<std::uint64_t>(n);
}

int space_rank(hid_t space, std::string_view op, const Where& w) {
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) fail(op, w);
    return rank;
}

// True if the object's file was created by several ranks (File::create with a split
// Communicator): its data transfers are then collective.
bool written_by_ranks(hid_t object, const Where& w) {
#if SSBSIM_PARALLEL_HDF5
    const Handle file = checked(H5Iget_file_id(object), Kind::file, "find the file of", w);
    const Handle fapl = checked(H5Fget_access_plist(file.get()), Kind::plist, "inspect", w);
    return H5Pget_driver(fapl.get()) == H5FD_MPIO;
#else
    (void)object;
    (void)w;
    return false;
#endif
}

// The transfer properties of a write to `object`'s file: collective when several ranks write it.
Handle transfer_plist(hid_t object, const Where& w) {
    Handle dxpl = make_plist(H5P_DATASET_XFER, w);
#if SSBSIM_PARALLEL_HDF5
    if (written_by_ranks(object, w))
        check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "set collective writes for", w);
#else
    (void)object;
#endif
    return dxpl;
}

H5T_class_t type_class(hid_t type, std::string_view op, const Where& w) {
    const H5T_class_t cls = H5Tget_class(type);
    if (cls == H5T_NO_CLASS) fail(op, w);
    return cls;
}

// ---- attributes ----------------------------------------------------------------------------

// Delete-then-create, so a rewrite may change the attribute's type or shape.
void write_attribute(hid_t loc, const Where& w, hid_t ftype, hid_t mtype, hid_t space,
                     const void* buf, bool has_data) {
    quiet();
    const std::string attr(w.child);
    if (check_tri(H5Aexists(loc, attr.c_str()), "look up", w)) {
        check(H5Adelete(loc, attr.c_str()), "replace", w);
    }
    Handle a = checked(H5Acreate2(loc, attr.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT),
                       Kind::attribute, "create", w);
    if (has_data) check(H5Awrite(a.get(), mtype, buf), "write", w);
}

template <class T>
void write_numeric_attribute(hid_t loc, const Where& w, hid_t ftype, hid_t mtype, const T* data,
                             std::size_t n, bool scalar) {
    Dims dims{};
    dims[0] = n;
    Handle space = make_space(dims, scalar ? 0 : 1, nullptr, w);
    write_attribute(loc, w, ftype, mtype, space.get(), data, n > 0);
}

void write_string_attribute(hid_t loc, const Where& w, const std::vector<const char*>& ptrs,
                            bool scalar) {
    Handle type = make_vlen_string_type(H5T_CSET_UTF8, w);
    Dims dims{};
    dims[0] = ptrs.size();
    Handle space = make_space(dims, scalar ? 0 : 1, nullptr, w);
    write_attribute(loc, w, type.get(), type.get(), space.get(), ptrs.data(), !ptrs.empty());
}

// An open attribute with its file type and element count, as every reader needs.
struct OpenAttr {
    Handle attr, type, space;
    std::uint64_t count = 0;
};

OpenAttr open_attribute(hid_t loc, const Where& w) {
    quiet();
    const std::string name(w.child);
    OpenAttr a;
    a.attr = checked(H5Aopen(loc, name.c_str(), H5P_DEFAULT), Kind::attribute, "open", w);
    a.type = checked(H5Aget_type(a.attr.get()), Kind::datatype, "read type of", w);
    a.space = checked(H5Aget_space(a.attr.get()), Kind::dataspace, "read shape of", w);
    a.count = element_count(a.space.get(), "read shape of", w);
    return a;
}

template <class T>
std::vector<T> read_numeric_attribute(hid_t loc, const Where& w, hid_t mtype, bool allow_float) {
    OpenAttr a = open_attribute(loc, w);
    const H5T_class_t cls = type_class(a.type.get(), "read type of", w);
    if (cls != H5T_INTEGER && !(allow_float && cls == H5T_FLOAT)) {
        reject("read", w, allow_float ? "it is not numeric" : "it is not an integer");
    }
    std::vector<T> out(a.count);
    if (!out.empty()) check(H5Aread(a.attr.get(), mtype, out.data()), "read", w);
    return out;
}

// Frees HDF5-allocated variable-length strings even if copying them out throws.
struct VlenReclaim {
    hid_t type, space;
    void* buf;
    ~VlenReclaim() { H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf); }
};

std::vector<std::string> read_vlen_strings(const OpenAttr& a, H5T_cset_t cset, const Where& w) {
    Handle mtype = make_vlen_string_type(cset, w);
    std::vector<char*> ptrs(a.count, nullptr);
    check(H5Aread(a.attr.get(), mtype.get(), ptrs.data()), "read", w);
    VlenReclaim reclaim{mtype.get(), a.space.get(), ptrs.data()};
    std::vector<std::string> out;
    out.reserve(ptrs.size());
    for (const char* p : ptrs)
        out.emplace_back(p != nullptr ? p : "");
    return out;
}

// Files from other tools (h5py's np.bytes_, Fortran codes) often hold fixed-length strings.
std::vector<std::string> read_fixed_strings(const OpenAttr& a, H5T_cset_t cset, const Where& w) {
    const std::size_t size = H5Tget_size(a.type.get());
    if (size == 0) fail("read type of", w);
    Handle mtype = checked(H5Tcopy(H5T_C_S1), Kind::datatype, "create string type for", w);
    check(H5Tset_size(mtype.get(), size), "create string type for", w);
    check(H5Tset_strpad(mtype.get(), H5T_STR_NULLPAD), "create string type for", w);
    check(H5Tset_cset(mtype.get(), cset), "create string type for", w);
    std::vector<char> buf(a.count * size);
    check(H5Aread(a.attr.get(), mtype.get(), buf.data()), "read", w);
    std::vector<std::string> out;
    out.reserve(a.count);
    for (std::size_t i = 0; i < a.count; ++i) {
        const char* p = buf.data() + i * size;
        out.emplace_back(p, strnlen(p, size));
    }
    return out;
}

std::vector<std::string> read_string_attribute(hid_t loc, const Where& w) {
    OpenAttr a = open_attribute(loc, w);
    if (type_class(a.type.get(), "read type of", w) != H5T_STRING) {
        reject("read", w, "it is not a string");
    }
    if (a.count == 0) return {};
    const H5T_cset_t cset = H5Tget_cset(a.type.get());
    if (cset == H5T_CSET_ERROR) fail("read type of", w);
    const bool vlen = check_tri(H5Tis_variable_str(a.type.get()), "read type of", w);
    return vlen ? read_vlen_strings(a, cset, w) : read_fixed_strings(a, cset, w);
}

template <class T>
T only_element(std::vector<T> v, const Where& w) {
    if (v.size() != 1) {
        reject("read", w, "it holds " + std::to_string(v.size()) + " values, expected one");
    }
    return std::move(v.front());
}

// ---- datasets ------------------------------------------------------------------------------

// Chunks of at most ~1 MiB, split along the leading dimensions first so a chunk holds whole
// trailing rows (the access pattern of configuration reads).
Dims fixed_chunk(const Dims& dims, int rank) {
    constexpr hsize_t max_elements = hsize_t{1} << 17;
    Dims chunk = dims;
    auto elements = [&] {
        hsize_t n = 1;
        for (int i = 0; i < rank; ++i)
            n *= chunk[i];
        return n;
    };
    for (int i = 0; i < rank && elements() > max_elements; ++i) {
        while (chunk[i] > 1 && elements() > max_elements)
            chunk[i] = (chunk[i] + 1) / 2;
    }
    return chunk;
}

void set_compression(hid_t dcpl, int gzip_level, const Where& w) {
    if (gzip_level == 0) return;
    check(H5Pset_shuffle(dcpl), "enable shuffle filter for", w);
    check(H5Pset_deflate(dcpl, static_cast<unsigned>(gzip_level)), "enable gzip for", w);
}

} // namespace

// ---- Handle --------------------------------------------------------------------------------

Handle::Handle(Handle&& other) noexcept : id_(other.id_), kind_(other.kind_) {
    other.id_ = -1;
}

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        close();
        id_ = std::exchange(other.id_, -1);
        kind_ = other.kind_;
    }
    return *this;
}

bool Handle::close() noexcept {
    if (id_ < 0) return true;
    quiet();
    const hid_t id = std::exchange(id_, -1);
    herr_t status = -1;
    switch (kind_) {
    case Kind::file:
        status = H5Fclose(id);
        break;
    case Kind::group:
        status = H5Gclose(id);
        break;
    case Kind::dataset:
        status = H5Dclose(id);
        break;
    case Kind::attribute:
        status = H5Aclose(id);
        break;
    case Kind::dataspace:
        status = H5Sclose(id);
        break;
    case Kind::datatype:
        status = H5Tclose(id);
        break;
    case Kind::plist:
        status = H5Pclose(id);
        break;
    case Kind::object:
        status = H5Oclose(id);
        break;
    }
    return status >= 0;
}

// ---- Object (attributes) -------------------------------------------------------------------

bool Object::has_attr(const std::string& attr) const {
    quiet();
    return check_tri(H5Aexists(id(), attr.c_str()), "look up", attr_at(*this, attr));
}

void Object::write_attr(const std::string& attr, const std::string& value) {
    write_string_attribute(id(), attr_at(*this, attr), {value.c_str()}, true);
}

void Object::write_attr(const std::string& attr, double value) {
    write_numeric_attribute(id(), attr_at(*this, attr), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value,
                            1, true);
}

void Object::write_attr(const std::string& attr, std::int64_t value) {
    write_numeric_attribute(id(), attr_at(*this, attr), H5T_STD_I64LE, H5T_NATIVE_INT64, &value, 1,
                            true);
}

void Object::write_attr(const std::string& attr, const std::vector<double>& values) {
    write_numeric_attribute(id(), attr_at(*this, attr), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                            values.data(), values.size(), false);
}

void Object::write_attr(const std::string& attr, const std::vector<std::int64_t>& values) {
    write_numeric_attribute(id(), attr_at(*this, attr), H5T_STD_I64LE, H5T_NATIVE_INT64,
                            values.data(), values.size(), false);
}

void Object::write_attr(const std::string& attr, const std::vector<std::string>& values) {
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const auto& v : values)
        ptrs.push_back(v.c_str());
    write_string_attribute(id(), attr_at(*this, attr), ptrs, false);
}

std::string Object::read_attr_string(const std::string& attr) const {
    const Where w = attr_at(*this, attr);
    return only_element(read_string_attribute(id(), w), w);
}

double Object::read_attr_double(const std::string& attr) const {
    const Where w = attr_at(*this, attr);
    return only_element(read_numeric_attribute<double>(id(), w, H5T_NATIVE_DOUBLE, true), w);
}

std::int64_t Object::read_attr_int64(const std::string& attr) const {
    const Where w = attr_at(*this, attr);
    return only_element(read_numeric_attribute<std::int64_t>(id(), w, H5T_NATIVE_INT64, false), w);
}

std::vector<double> Object::read_attr_doubles(const std::string& attr) const {
    return read_numeric_attribute<double>(id(), attr_at(*this, attr), H5T_NATIVE_DOUBLE, true);
}

std::vector<std::int64_t> Object::read_attr_int64s(const std::string& attr) const {
    return read_numeric_attribute<std::int64_t>(id(), attr_at(*this, attr), H5T_NATIVE_INT64,
                                                false);
}

std::vector<std::string> Object::read_attr_strings(const std::string& attr) const {
    return read_string_attribute(id(), attr_at(*this, attr));
}

void Object::throw_int64_overflow(const std::string& attr) const {
    reject("write", attr_at(*this, attr), "the value does not fit in a signed 64-bit integer");
}

// ---- Dataset -------------------------------------------------------------------------------

std::vector<std::uint64_t> Dataset::shape() const {
    quiet();
    const Where w = at(*this);
    Handle space = checked(H5Dget_space(id()), Kind::dataspace, "read shape of", w);
    const int rank = space_rank(space.get(), "read shape of", w);
    Dims dims{};
    if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) fail("read shape of", w);
    return {dims.begin(), dims.begin() + rank};
}

Dtype Dataset::dtype() const {
    quiet();
    const Where w = at(*this);
    Handle type = checked(H5Dget_type(id()), Kind::datatype, "read type of", w);
    switch (type_class(type.get(), "read type of", w)) {
    case H5T_INTEGER:
        return Dtype::i64;
    case H5T_FLOAT:
        return Dtype::f64;
    default:
        reject("read type of", w, "it is neither integer nor floating-point");
    }
}

void Dataset::append(const double* data, std::uint64_t n_rows) {
    append_raw(H5T_NATIVE_DOUBLE, data, n_rows);
}

void Dataset::append(const std::int64_t* data, std::uint64_t n_rows) {
    append_raw(H5T_NATIVE_INT64, data, n_rows);
}

namespace {

// Sets the first dimension of `d` to new_rows(current rows, where); returns the current rows.
template <class NewRows>
std::uint64_t resize_rows(const Dataset& d, std::string_view op, NewRows&& new_rows) {
    quiet();
    const Where w = at(d);
    Handle space = checked(H5Dget_space(d.id()), Kind::dataspace, op, w);
    if (space_rank(space.get(), op, w) < 1) reject(op, w, "it is a scalar");
    Dims dims{};
    if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) fail(op, w);
    const std::uint64_t old_rows = dims[0];
    dims[0] = new_rows(old_rows, w);
    check(H5Dset_extent(d.id(), dims.data()), op, w);
    return old_rows;
}

} // namespace

void Dataset::truncate_rows(std::uint64_t n_rows) {
    resize_rows(*this, "truncate", [&](std::uint64_t rows, const Where& w) {
        if (n_rows > rows) reject("truncate", w, "it has fewer rows than requested");
        return n_rows;
    });
}

std::uint64_t Dataset::extend_rows(std::uint64_t n_rows) {
    return resize_rows(*this, "extend",
                       [&](std::uint64_t rows, const Where&) { return rows + n_rows; });
}

namespace {

// The block of a table row [trailing dims T] that holds the flat elements [offset, offset + n):
// whole slabs of the largest axis possible (a field below a header), or a piece of one
// innermost line. Start and count include the row dimension (one row).
struct Block {
    Dims start{}, count{};
    int rank = 0;
};

Block block_of(const std::vector<std::uint64_t>& shape, std::uint64_t row, std::uint64_t offset,
               std::uint64_t n, const Where& w) {
    const int r = static_cast<int>(shape.size()) - 1; // trailing rank
    Block b;
    b.rank = r + 1;
    b.start[0] = row;
    b.count[0] = 1;
    std::uint64_t stride = 1;
    for (int k = r; k >= 1; --k) // strides of the trailing axes, innermost first
        stride *= shape[static_cast<std::size_t>(k)];
    const bool inside = r >= 1 && n <= stride && offset <= stride - n; // stride: the row's size
    for (int k = 1; inside && k <= r; ++k) {
        stride /= shape[static_cast<std::size_t>(k)]; // elements per slab of axis k
        const std::uint64_t extent = shape[static_cast<std::size_t>(k)];
        if (offset % stride != 0 || n % stride != 0) continue;
        if ((offset / stride) % extent + n / stride > extent) continue;
        std::uint64_t rest = offset;
        for (int j = r; j >= 1; --j) {
            b.start[static_cast<std::size_t>(j)] = rest % shape[static_cast<std::size_t>(j)];
            rest /= shape[static_cast<std::size_t>(j)];
        }
        for (int j = 1; j <= r; ++j)
            b.count[static_cast<std::size_t>(j)] = j < k    ? 1
                                                   : j == k ? n / stride
                                                            : shape[static_cast<std::size_t>(j)];
        return b;
    }
    reject("address", w,
           "elements [" + std::to_string(offset) + ", " + std::to_string(offset + n) +
               ") of a row are not one block");
}

} // namespace

void Dataset::write_part(std::uint64_t row, std::uint64_t offset, const double* data,
                         std::uint64_t n) {
    quiet();
    if (n == 0) return;
    const Where w = at(*this);
    const Block b = block_of(shape(), row, offset, n, w);
    Handle file_space = checked(H5Dget_space(id()), Kind::dataspace, "write to", w);
    const Dims mem_dims{n};
    Handle mem_space = make_space(mem_dims, 1, nullptr, w);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, b.start.data(), nullptr,
                              b.count.data(), nullptr),
          "select part of a row of", w);
    check(H5Dwrite(id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT, data),
          "write", w);
}

namespace {

std::uint64_t block_size(const std::vector<std::uint64_t>& count) {
    return std::accumulate(count.begin(), count.end(), std::uint64_t{1}, std::multiplies<>());
}

// The file's selection of the block [start, start + count) of a dataset of `rank` dimensions.
Handle select_block(hid_t dataset, const std::vector<std::uint64_t>& start,
                    const std::vector<std::uint64_t>& count, std::string_view op, const Where& w) {
    Handle space = checked(H5Dget_space(dataset), Kind::dataspace, op, w);
    const int rank = space_rank(space.get(), op, w);
    if (start.size() != static_cast<std::size_t>(rank) || count.size() != start.size())
        reject(op, w,
               "a block of " + std::to_string(start.size()) + " dimensions, it has " +
                   std::to_string(rank));
    Dims dims{};
    if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) fail(op, w);
    for (int k = 0; k < rank; ++k)
        if (start[k] > dims[k] || count[k] > dims[k] - start[k])
            reject(op, w, "the block lies outside the dataset");
    const Dims s = to_dims(start), c = to_dims(count);
    if (block_size(count) == 0) // a rank with nothing to add to a collective transfer
        check(H5Sselect_none(space.get()), op, w);
    else
        check(
            H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, s.data(), nullptr, c.data(), nullptr),
            op, w);
    return space;
}

} // namespace

void Dataset::write_block(const std::vector<std::uint64_t>& start,
                          const std::vector<std::uint64_t>& count, const double* data) {
    quiet();
    const Where w = at(*this);
    Handle file_space = select_block(id(), start, count, "write a block of", w);
    const Dims mem_dims{block_size(count)};
    Handle mem_space = make_space(mem_dims, 1, nullptr, w);
    if (mem_dims[0] == 0) check(H5Sselect_none(mem_space.get()), "write a block of", w);
    const Handle dxpl = transfer_plist(id(), w);
    check(H5Dwrite(id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), dxpl.get(), data),
          "write", w);
}

std::vector<double> Dataset::read_block(const std::vector<std::uint64_t>& start,
                                        const std::vector<std::uint64_t>& count) const {
    quiet();
    const Where w = at(*this);
    Handle file_space = select_block(id(), start, count, "read a block of", w);
    std::vector<double> out(block_size(count));
    if (out.empty()) return out;
    const Dims mem_dims{out.size()};
    Handle mem_space = make_space(mem_dims, 1, nullptr, w);
    check(H5Dread(id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
                  out.data()),
          "read", w);
    return out;
}

std::vector<double> Dataset::read_element(std::uint64_t offset) const {
    quiet();
    const Where w = at(*this);
    const std::vector<std::uint64_t> dims = shape();
    Block b = block_of(dims, 0, offset, 1, w);
    b.count[0] = dims.at(0);
    std::vector<double> out(dims[0]);
    if (out.empty()) return out;
    Handle file_space = checked(H5Dget_space(id()), Kind::dataspace, "read", w);
    const Dims mem_dims{dims[0]};
    Handle mem_space = make_space(mem_dims, 1, nullptr, w);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, b.start.data(), nullptr,
                              b.count.data(), nullptr),
          "select an element of every row of", w);
    check(H5Dread(id(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT,
                  out.data()),
          "read", w);
    return out;
}

// Hot path of the output writer: fixed-size stack arrays only.
void Dataset::append_raw(Id mem_type, const void* data, std::uint64_t n_rows) {
    quiet();
    if (n_rows == 0) return;
    const Where w = at(*this);
    Handle space = checked(H5Dget_space(id()), Kind::dataspace, "append to", w);
    const int rank = space_rank(space.get(), "append to", w);
    if (rank < 1) reject("append to", w, "it is a scalar");
    Dims old_dims{};
    if (H5Sget_simple_extent_dims(space.get(), old_dims.data(), nullptr) < 0) {
        fail("append to", w);
    }
    Dims new_dims = old_dims, start{}, count = old_dims;
    new_dims[0] += n_rows;
    start[0] = old_dims[0];
    count[0] = n_rows;
    check(H5Dset_extent(id(), new_dims.data()), "extend", w);

    Handle file_space = checked(H5Dget_space(id()), Kind::dataspace, "append to", w);
    Handle mem_space = make_space(count, rank, nullptr, w);
    const bool ok =
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr) >= 0 &&
        H5Dwrite(id(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data) >= 0;
    if (!ok) {
        // Do not leave rows of fill values behind: a resumed run appends after the last row.
        const std::string stack = take_error_stack();
        H5Dset_extent(id(), old_dims.data());
        H5Eclear2(H5E_DEFAULT);
        throw IoError("HDF5: cannot append to " + render(w) + ": " + stack);
    }
}

std::uint64_t Dataset::row_elements() const {
    const auto dims = shape();
    std::uint64_t n = 1;
    for (std::size_t i = 1; i < dims.size(); ++i)
        n *= dims[i];
    return n;
}

std::vector<double> Dataset::read_double() const {
    quiet();
    const Where w = at(*this);
    Handle space = checked(H5Dget_space(id()), Kind::dataspace, "read", w);
    std::vector<double> out(element_count(space.get(), "read", w));
    if (!out.empty()) {
        check(H5Dread(id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read",
              w);
    }
    return out;
}

std::vector<std::int64_t> Dataset::read_int64() const {
    quiet();
    const Where w = at(*this);
    if (dtype() != Dtype::i64) reject("read integers from", w, "it holds floating-point data");
    Handle space = checked(H5Dget_space(id()), Kind::dataspace, "read", w);
    std::vector<std::int64_t> out(element_count(space.get(), "read", w));
    if (!out.empty()) {
        check(H5Dread(id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read",
              w);
    }
    return out;
}

std::vector<double> Dataset::read_rows_double(std::uint64_t first_row, std::uint64_t n_rows) const {
    std::vector<double> out(n_rows * row_elements());
    read_rows_raw(H5T_NATIVE_DOUBLE, out.data(), first_row, n_rows);
    return out;
}

std::vector<std::int64_t> Dataset::read_rows_int64(std::uint64_t first_row,
                                                   std::uint64_t n_rows) const {
    if (dtype() != Dtype::i64) {
        reject("read integers from", at(*this), "it holds floating-point data");
    }
    std::vector<std::int64_t> out(n_rows * row_elements());
    read_rows_raw(H5T_NATIVE_INT64, out.data(), first_row, n_rows);
    return out;
}

void Dataset::read_rows_raw(Id mem_type, void* out, std::uint64_t first_row,
                            std::uint64_t n_rows) const {
    quiet();
    const Where w = at(*this);
    Handle file_space = checked(H5Dget_space(id()), Kind::dataspace, "read rows of", w);
    const int rank = space_rank(file_space.get(), "read rows of", w);
    if (rank < 1) reject("read rows of", w, "it is a scalar");
    Dims dims{};
    if (H5Sget_simple_extent_dims(file_space.get(), dims.data(), nullptr) < 0) {
        fail("read rows of", w);
    }
    if (first_row > dims[0] || n_rows > dims[0] - first_row) {
        reject("read rows of", w,
               "rows [" + std::to_string(first_row) + ", " + std::to_string(first_row + n_rows) +
                   ") requested but it has " + std::to_string(dims[0]));
    }
    if (n_rows == 0) return;
    Dims start{}, count = dims;
    start[0] = first_row;
    count[0] = n_rows;
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          "read rows of", w);
    Handle mem_space = make_space(count, rank, nullptr, w);
    check(H5Dread(id(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, out),
          "read rows of", w);
}

void Dataset::set_dimension_labels(const std::vector<std::string>& labels) {
    if (labels.size() != shape().size()) {
        throw std::invalid_argument("set_dimension_labels: " + std::to_string(labels.size()) +
                                    " labels for a dataset of rank " +
                                    std::to_string(shape().size()));
    }
    write_attr("dimension_labels", labels);
}

std::vector<std::string> Dataset::dimension_labels() const {
    return read_attr_strings("dimension_labels");
}

void Dataset::make_dimension_scale(const std::string& name) {
    quiet();
    check(H5DSset_scale(id(), name.c_str()), "make a dimension scale of", at(*this));
}

void Dataset::attach_dimension_scale(const Dataset& scale, unsigned axis) {
    quiet();
    check(H5DSattach_scale(id(), scale.id(), axis),
          "attach dimension scale " + scale.name() + " to", at(*this));
}

// ---- Group ---------------------------------------------------------------------------------

Group Group::create_group(const std::string& name) {
    quiet();
    const Where w = at(*this, name);
    Handle lcpl = make_lcpl(w);
    Handle g = checked(H5Gcreate2(id(), name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                       Kind::group, "create group", w);
    return Group(std::move(g), file_path_, join_name(name_, name));
}

Group Group::open_group(const std::string& name) const {
    quiet();
    const Where w = at(*this, name);
    Handle g = checked(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), Kind::group, "open group", w);
    return Group(std::move(g), file_path_, join_name(name_, name));
}

bool Group::exists(const std::string& name) const {
    quiet();
    // H5Lexists fails (rather than returning false) when an intermediate group is missing,
    // so walk the path one component at a time.
    std::string prefix = name.starts_with('/') ? "/" : "";
    std::size_t pos = 0;
    bool any = false;
    while (pos <= name.size()) {
        const std::size_t end = std::min(name.find('/', pos), name.size());
        const std::string comp = name.substr(pos, end - pos);
        pos = end + 1;
        if (comp.empty() || comp == ".") continue;
        if (any && prefix.back() != '/') prefix += '/';
        prefix += comp;
        const Where w = at(*this, prefix);
        if (!check_tri(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT), "look up", w)) return false;
        // A dangling soft link exists as a link but not as an object.
        if (!check_tri(H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT), "look up", w)) {
            return false;
        }
        if (pos <= name.size()) {
            Handle obj =
                checked(H5Oopen(id(), prefix.c_str(), H5P_DEFAULT), Kind::object, "look up", w);
            if (H5Iget_type(obj.get()) != H5I_GROUP) return false; // e.g. "dataset/x"
        }
        any = true;
    }
    return any || name.starts_with('/');
}

namespace {

struct ChildNames {
    std::vector<std::string> names;
    bool out_of_memory = false;
};

// A C callback: exceptions must not unwind through HDF5, so report them through the data.
herr_t collect_child(hid_t, const char* name, const H5L_info_t*, void* data) {
    auto& out = *static_cast<ChildNames*>(data);
    try {
        out.names.emplace_back(name);
        return 0;
    } catch (...) {
        out.out_of_memory = true;
        return -1;
    }
}

} // namespace

std::vector<std::string> Group::children() const {
    quiet();
    ChildNames out;
    const herr_t status =
        H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_child, &out);
    if (out.out_of_memory) throw std::bad_alloc();
    check(status, "list children of", at(*this));
    return std::move(out.names);
}

Dataset Group::create_extendible(const std::string& name, Dtype dtype,
                                 const std::vector<std::uint64_t>& row_shape,
                                 std::uint64_t chunk_rows, int gzip_level) {
    quiet();
    check_rank(row_shape.size() + 1);
    check_gzip(gzip_level);
    if (chunk_rows == 0) throw std::invalid_argument("create_extendible: chunk_rows must be > 0");
    const Where w = at(*this, name);
    const int rank = static_cast<int>(row_shape.size() + 1);
    Dims dims{}, max_dims{}, chunk{};
    std::copy(row_shape.begin(), row_shape.end(), dims.begin() + 1);
    max_dims = chunk = dims;
    max_dims[0] = H5S_UNLIMITED;
    chunk[0] = chunk_rows;

    Handle space = make_space(dims, rank, &max_dims, w);
    Handle dcpl = make_plist(H5P_DATASET_CREATE, w);
    check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "set chunking for", w);
    set_compression(dcpl.get(), gzip_level, w);
    Handle lcpl = make_lcpl(w);
    Handle d = checked(H5Dcreate2(id(), name.c_str(), file_type(dtype), space.get(), lcpl.get(),
                                  dcpl.get(), H5P_DEFAULT),
                       Kind::dataset, "create dataset", w);
    return Dataset(std::move(d), file_path_, join_name(name_, name));
}

Dataset Group::create_table(const std::string& name, const std::vector<std::uint64_t>& row_shape,
                            int gzip_level) {
    quiet();
    check_rank(row_shape.size() + 1);
    check_gzip(gzip_level);
    if (row_shape.empty() || std::find(row_shape.begin(), row_shape.end(), 0) != row_shape.end())
        throw std::invalid_argument("create_table: rows must have a non-empty shape");
    const Where w = at(*this, name);
    const int rank = static_cast<int>(row_shape.size() + 1);
    Dims dims{}, max_dims{}, chunk{};
    std::copy(row_shape.begin(), row_shape.end(), dims.begin() + 1);
    max_dims = dims;
    max_dims[0] = H5S_UNLIMITED;
    // Chunks of at most 1 MiB bound the writer's memory; small rows share a chunk.
    const Dims row_chunk = fixed_chunk(to_dims(row_shape), rank - 1);
    std::copy_n(row_chunk.begin(), rank - 1, chunk.begin() + 1);
    const hsize_t per_row =
        std::accumulate(chunk.begin() + 1, chunk.begin() + rank, hsize_t{1}, std::multiplies<>());
    chunk[0] = std::clamp<hsize_t>((hsize_t{1} << 17) / per_row, 1, 256);
    Handle space = make_space(dims, rank, &max_dims, w);
    Handle dcpl = make_plist(H5P_DATASET_CREATE, w);
    check(H5Pset_chunk(dcpl.get(), rank, chunk.data()), "set chunking for", w);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), "set the fill value of", w);
    set_compression(dcpl.get(), gzip_level, w);
    Handle lcpl = make_lcpl(w);
    Handle d = checked(H5Dcreate2(id(), name.c_str(), file_type(Dtype::f64), space.get(),
                                  lcpl.get(), dcpl.get(), H5P_DEFAULT),
                       Kind::dataset, "create dataset", w);
    return Dataset(std::move(d), file_path_, join_name(name_, name));
}

// The view's rows map one to one onto the table's rows: unlimited hyperslabs of blocks
// [1, row_shape...] on the virtual side and of the table block holding the elements. HDF5 reads
// a block of the view's own shape fast (a field under a header); other shapes (a correlator in
// a flat table, a scalar in a field table) are small.
Dataset Group::create_view(const std::string& name, Dtype dtype,
                           const std::vector<std::uint64_t>& row_shape, const Dataset& table,
                           std::uint64_t offset) {
    quiet();
    check_rank(row_shape.size() + 1);
    const Where w = at(*this, name);
    const int rank = static_cast<int>(row_shape.size() + 1);
    Dims dims{}, max_dims{}, block{}, start{}, stride{}, count{};
    std::copy(row_shape.begin(), row_shape.end(), dims.begin() + 1);
    max_dims = block = dims;
    max_dims[0] = H5S_UNLIMITED;
    block[0] = 1;
    std::fill_n(stride.begin(), rank, 1);
    std::fill_n(count.begin(), rank, 1);
    count[0] = H5S_UNLIMITED;
    Handle space = make_space(dims, rank, &max_dims, w);
    check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), stride.data(),
                              count.data(), block.data()),
          "select the rows of", w);

    std::vector<std::uint64_t> table_shape = table.shape();
    const std::uint64_t n =
        std::accumulate(row_shape.begin(), row_shape.end(), std::uint64_t{1}, std::multiplies<>());
    Block b = block_of(table_shape, 0, offset, n, at(table));
    b.count[0] = H5S_UNLIMITED;
    Dims t_dims = to_dims(table_shape), t_max = t_dims, t_stride{}, t_count{};
    t_dims[0] = 0;
    t_max[0] = H5S_UNLIMITED;
    std::fill_n(t_stride.begin(), b.rank, 1);
    std::fill_n(t_count.begin(), b.rank, 1);
    t_count[0] = H5S_UNLIMITED;
    Dims t_block = b.count;
    t_block[0] = 1;
    Handle source = make_space(t_dims, b.rank, &t_max, w);
    check(H5Sselect_hyperslab(source.get(), H5S_SELECT_SET, b.start.data(), t_stride.data(),
                              t_count.data(), t_block.data()),
          "select the elements of", w);
    Handle dcpl = make_plist(H5P_DATASET_CREATE, w);
    check(H5Pset_virtual(dcpl.get(), space.get(), ".", table.name().c_str(), source.get()), "map",
          w);
    Handle lcpl = make_lcpl(w);
    Handle d = checked(H5Dcreate2(id(), name.c_str(), file_type(dtype), space.get(), lcpl.get(),
                                  dcpl.get(), H5P_DEFAULT),
                       Kind::dataset, "create dataset", w);
    return Dataset(std::move(d), file_path_, join_name(name_, name));
}

Dataset Group::write_dataset(const std::string& name, const double* data,
                             const std::vector<std::uint64_t>& shape, int gzip_level,
                             bool checksum) {
    return write_fixed(name, Dtype::f64, H5T_NATIVE_DOUBLE, data, shape, gzip_level, checksum);
}

Dataset Group::write_dataset(const std::string& name, const std::int64_t* data,
                             const std::vector<std::uint64_t>& shape, int gzip_level,
                             bool checksum) {
    return write_fixed(name, Dtype::i64, H5T_NATIVE_INT64, data, shape, gzip_level, checksum);
}

Dataset Group::create_dataset(const std::string& name, Dtype dtype,
                              const std::vector<std::uint64_t>& shape, int gzip_level,
                              bool checksum) {
    quiet();
    check_rank(shape.size());
    check_gzip(gzip_level);
    const Where w = at(*this, name);
    const int rank = static_cast<int>(shape.size());
    const Dims dims = to_dims(shape);
    const bool empty = std::any_of(shape.begin(), shape.end(), [](auto n) { return n == 0; });

    Handle space = make_space(dims, rank, nullptr, w);
    Handle dcpl = make_plist(H5P_DATASET_CREATE, w);
    // Filters need chunked storage, and chunks cannot be empty or scalar.
    if ((gzip_level > 0 || checksum) && rank > 0 && !empty) {
        check(H5Pset_chunk(dcpl.get(), rank, fixed_chunk(dims, rank).data()), "set chunking for",
              w);
        set_compression(dcpl.get(), gzip_level, w);
        if (checksum) check(H5Pset_fletcher32(dcpl.get()), "enable checksums for", w);
        // Written by several ranks, a filtered dataset is allocated at once (parallel HDF5's
        // rule); every element is written, so no fill values need to be filtered and written.
        if (written_by_ranks(id(), w))
            check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "set the fill time of", w);
    }
    Handle lcpl = make_lcpl(w);
    Handle d = checked(H5Dcreate2(id(), name.c_str(), file_type(dtype), space.get(), lcpl.get(),
                                  dcpl.get(), H5P_DEFAULT),
                       Kind::dataset, "create dataset", w);
    return Dataset(std::move(d), file_path_, join_name(name_, name));
}

Dataset Group::write_fixed(const std::string& name, Dtype dtype, Id mem_type, const void* data,
                           const std::vector<std::uint64_t>& shape, int gzip_level, bool checksum) {
    Dataset d = create_dataset(name, dtype, shape, gzip_level, checksum);
    const bool empty = std::any_of(shape.begin(), shape.end(), [](auto n) { return n == 0; });
    if (!empty) {
        const Where w = at(*this, name);
        const Handle dxpl = transfer_plist(id(), w);
        check(H5Dwrite(d.id(), mem_type, H5S_ALL, H5S_ALL, dxpl.get(), data), "write", w);
    }
    return d;
}

Dataset Group::open_dataset(const std::string& name) const {
    quiet();
    const Where w = at(*this, name);
    Handle d = checked(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), Kind::dataset, "open dataset", w);
    return Dataset(std::move(d), file_path_, join_name(name_, name));
}

Dataset Group::create_dimension(const std::string& name, std::uint64_t length) {
    std::vector<std::int64_t> index(length);
    std::iota(index.begin(), index.end(), std::int64_t{0});
    Dataset d = write_dataset(name, index.data(), {length});
    // netCDF-C's marker for a dimension without a coordinate variable (the number is its length,
    // as netCDF-C writes it); h5netcdf and netCDF-C then list it as a dimension only.
    char marker[96];
    std::snprintf(marker, sizeof marker,
                  "This is a netCDF dimension but not a netCDF variable.%10llu",
                  static_cast<unsigned long long>(length));
    d.make_dimension_scale(marker);
    return d;
}

// ---- File ----------------------------------------------------------------------------------

// Crash safety (docs/output.md): the superblock stays at version 0, which has no "open for
// writing" consistency flag (a 1.10 superblock left flagged by a killed writer refuses every
// later open until h5clear); objects may use 1.10 features (virtual datasets). The metadata
// cache never evicts, so dirty metadata reaches the disk only inside flush(). A file killed
// between flushes is the file of the last flush plus unreferenced space.
Handle File::access_plist(const std::string& path) {
    const Where w{path};
    Handle fapl = make_plist(H5P_FILE_ACCESS, w);
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V110),
          "select file format for", w);
    H5AC_cache_config_t cache{};
    cache.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    check(H5Pget_mdc_config(fapl.get(), &cache), "read metadata cache settings for", w);
    cache.evictions_enabled = false;
    cache.incr_mode = H5C_incr__off;
    cache.flash_incr_mode = H5C_flash_incr__off;
    cache.decr_mode = H5C_decr__off;
    check(H5Pset_mdc_config(fapl.get(), &cache), "configure metadata cache for", w);
#if H5_VERSION_GE(1, 10, 7)
    // HDF5's own file locks where the file system has them, and no failure where it has not
    // (Lustre without flock, some NFS): ssbsim's lock on <output>.lock guards the output.
    // HDF5_USE_FILE_LOCKING=FALSE in the environment turns them off altogether (README).
    check(H5Pset_file_locking(fapl.get(), true, true), "configure file locking for", w);
#endif
    return fapl;
}

namespace {

// Reading while a run writes (docs/output.md, "Reading a file while a run writes it"): ssbsim
// opens every file with HDF5's own locking off, so its readers never wait for a lock and never
// hold one. A writer then holds a *shared* flock on the file: HDF5 readers elsewhere (h5py with
// default settings takes a shared lock) can open it, while any other HDF5 writer (h5py "r+",
// a second `analyze --write`), which asks for an exclusive lock, is refused. The exclusive lock
// taken first refuses to write a file that another program already holds open, as HDF5 did.
void disable_hdf5_locking(hid_t fapl, const Where& w) {
#if H5_VERSION_GE(1, 10, 7)
    check(H5Pset_file_locking(fapl, false, true), "configure file locking for", w);
#else
    (void)fapl;
    (void)w;
#endif
}

void hold_writer_lock(hid_t file, const Where& w) {
    void* handle = nullptr;
    check(H5Fget_vfd_handle(file, H5P_DEFAULT, &handle), "get the file descriptor of", w);
    const int fd = *static_cast<const int*>(handle);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == ENOLCK || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)
            return; // a file system without flock (some Lustre/NFS mounts): nothing to hold
        throw IoError("HDF5: cannot write " + render(w) +
                      ": another program has it open (h5py or another HDF5 reader holding its "
                      "lock, or a writer); close it there and retry (" +
                      std::strerror(errno) + ")");
    }
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) // downgrade: let readers in, keep writers out
        throw IoError("HDF5: lost the lock on " + render(w) +
                      " to another program opening it for writing; retry");
}

} // namespace

File File::create(const std::string& path, bool overwrite) {
    quiet();
    const Where w{path};
    const Handle fapl = access_plist(path);
    disable_hdf5_locking(fapl.get(), w);
    const hid_t id =
        H5Fcreate(path.c_str(), overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl.get());
    if (id < 0) {
        const std::string stack = take_error_stack();
        std::error_code ec;
        const bool existed = std::filesystem::exists(path, ec);
        const std::string why =
            !overwrite && existed ? "the file exists and overwrite is off; " : "";
        throw IoError("HDF5: cannot create file " + render(w) + ": " + why + stack);
    }
    Handle file(id, Kind::file);
    hold_writer_lock(file.get(), w);
    return File(std::move(file), path);
}

File File::create(const std::string& path, bool overwrite, const Communicator& ranks) {
    if (!ranks.split()) return create(path, overwrite);
#if SSBSIM_PARALLEL_HDF5
    quiet();
    const Where w{path};
    // The format bounds of every ssbsim file; the metadata cache keeps its defaults (a file of
    // several ranks is written under a temporary name and renamed once closed: complete or
    // never used).
    Handle fapl = make_plist(H5P_FILE_ACCESS, w);
    check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V110),
          "select file format for", w);
    check(H5Pset_fapl_mpio(fapl.get(), MPI_COMM_WORLD, MPI_INFO_NULL), "select MPI-IO for", w);
    disable_hdf5_locking(fapl.get(), w);
    const hid_t id =
        H5Fcreate(path.c_str(), overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl.get());
    if (id < 0)
        throw IoError("HDF5: cannot create file " + render(w) + " on " +
                      std::to_string(ranks.size()) + " MPI ranks: " + take_error_stack());
    return File(Handle(id, Kind::file), path);
#else
    throw std::logic_error("File::create: a file of several ranks needs the parallel HDF5");
#endif
}

File File::open_read(const std::string& path) {
    return open(path, false);
}

File File::open_rw(const std::string& path) {
    return open(path, true);
}

File File::open(const std::string& path, bool writable) {
    quiet();
    const Where w{path};
    const Handle fapl = access_plist(path);
    disable_hdf5_locking(fapl.get(), w);
    const hid_t id = H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.get());
    if (id < 0) {
        const std::string stack = take_error_stack();
        std::error_code ec;
        const std::string why = !std::filesystem::exists(path, ec) ? "no such file; "
                                : !is_hdf5(path)                   ? "not an HDF5 file; "
                                                                   : "";
        throw IoError("HDF5: cannot open file " + render(w) +
                      (writable ? " for writing: " : " for reading: ") + why + stack);
    }
    Handle file(id, Kind::file);
    if (writable) hold_writer_lock(file.get(), w);
    return File(std::move(file), path);
}

void File::flush() {
    quiet();
    check(H5Fflush(handle_.get(), H5F_SCOPE_GLOBAL), "flush file", Where{path_});
}

void File::rename(const std::string& to) {
    if (std::rename(path_.c_str(), to.c_str()) != 0)
        throw IoError("cannot rename '" + path_ + "' to '" + to + "': " + std::strerror(errno));
    path_ = to;
}

void File::close() {
    if (!handle_.valid()) return;
    if (!handle_.close()) fail("close file", Where{path_});
}

Group File::root() const {
    quiet();
    Handle g = checked(H5Gopen2(handle_.get(), "/", H5P_DEFAULT), Kind::group, "open root group of",
                       Where{path_});
    return Group(std::move(g), path_, "/");
}

bool is_hdf5(const std::string& path) {
    quiet();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    const htri_t result = H5Fis_hdf5(path.c_str());
    if (result < 0) H5Eclear2(H5E_DEFAULT);
    return result > 0;
}

} // namespace ssbsim::h5
