// The files a run reads before it starts (include/ssbsim/io/inputs.hpp).
#include "ssbsim/io/inputs.hpp"

#include "ssbsim/core/checks.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/text.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/slabs.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace ssbsim {

namespace {

// The block of this rank's slices in a dataset whose axis `axis` is the lattice's first axis
// (the dimensions before it at `leading`, one element each).
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>>
slab_block(const std::vector<std::uint64_t>& shape, std::size_t axis, Slices own,
           const std::vector<std::uint64_t>& leading = {}) {
    std::vector<std::uint64_t> start(shape.size(), 0), count = shape;
    for (std::size_t k = 0; k < leading.size(); ++k) {
        start[k] = leading[k];
        count[k] = 1;
    }
    start[axis] = own.first;
    count[axis] = own.count;
    return {start, count};
}

// Elements of a dataset of `shape` from dimension `axis` on, per index of that dimension.
std::uint64_t per_index(const std::vector<std::uint64_t>& shape, std::size_t axis) {
    std::uint64_t n = 1;
    for (std::size_t k = axis + 1; k < shape.size(); ++k)
        n *= shape[k];
    return n;
}

Field init_file_field(const Config& c, const Domain& domain) {
    const Lattice& lattice = domain.whole();
    const std::string& path = c.field.init_file;
    const std::string key = "field.init_file: '" + path + "'";
    if (!h5::is_hdf5(path)) throw InputError(key + " does not exist or is not an HDF5 file");
    try {
        const h5::File file = h5::File::open_read(path);
        const h5::Group root = file.root();
        if (!root.exists("configurations/field"))
            throw InputError(key + " has no /configurations/field (not an ssbsim output?)");
        const h5::Dataset data = root.open_dataset("configurations/field");
        const std::vector<std::uint64_t> shape = data.shape();
        std::vector<std::uint64_t> want(lattice.extents().begin(), lattice.extents().end());
        want.push_back(static_cast<std::uint64_t>(c.field.components));
        if (shape.size() != want.size() + 1 ||
            !std::equal(want.begin(), want.end(), shape.begin() + 1))
            throw InputError(key + " holds configurations of shape " + shape_text(shape) +
                             ", this run needs [n, " + shape_text(want).substr(1) +
                             " (lattice.dims and field.components must match)");
        if (shape[0] == 0) throw InputError(key + " holds no saved configuration");
        // This rank's slices of the last configuration; a bad value is named by its index in
        // the whole file (the lowest rank that finds one has the first: runner.cpp, agree).
        const Slices own = own_slices(domain);
        const auto [start, count] = slab_block(shape, 1, own, {shape[0] - 1});
        const std::vector<double> values = data.read_block(start, count);
        const std::uint64_t first =
            (shape[0] - 1) * per_index(shape, 0) + own.first * per_index(shape, 1);
        if (const auto bad = first_bad_value(values, c.dynamics.field_bound))
            throw InputError(key + ": /configurations/field has " +
                             bad_value_text(values, *bad, shape, first) +
                             "; an initial field must be finite and within dynamics.field_bound");
        Field phi(domain.local(), c.field.components);
        assign_own_site_major(domain, phi, values);
        return phi;
    } catch (const IoError& e) {
        throw InputError(key + " cannot be read: " + e.what());
    }
}

Field file_source(const Config& c, const Domain& domain) {
    const Lattice& lattice = domain.whole();
    const std::string& path = c.action.h_file;
    const std::string where = "action.h_file: '" + path + "'";
    if (!h5::is_hdf5(path)) throw InputError(where + " does not exist or is not an HDF5 file");
    try {
        const h5::Group root = h5::File::open_read(path).root();
        if (!root.exists(c.action.h_dataset))
            throw InputError(where + " has no dataset '" + c.action.h_dataset +
                             "' (action.h_dataset)");
        const h5::Dataset d = root.open_dataset(c.action.h_dataset);
        std::vector<std::uint64_t> want(lattice.extents().begin(), lattice.extents().end());
        const std::vector<std::uint64_t> shape = d.shape();
        const int n = c.field.components;
        const bool scalar = shape == want; // one value per site: along the first component
        want.push_back(static_cast<std::uint64_t>(n));
        if (!scalar && shape != want)
            throw InputError(where + ": dataset '" + c.action.h_dataset +
                             "' must have the lattice's shape [L_1..L_d] or [L_1..L_d, N]");
        const Slices own = own_slices(domain);
        const auto [start, count] = slab_block(shape, 0, own);
        const std::vector<double> values = d.read_block(start, count);
        if (const auto bad = first_bad_value(values, c.dynamics.field_bound))
            throw InputError(where + ": dataset '" + c.action.h_dataset + "' has " +
                             bad_value_text(values, *bad, shape, own.first * per_index(shape, 0)) +
                             "; a source must be finite and within dynamics.field_bound");
        Field dh(domain.local(), n);
        if (scalar)
            std::copy(values.begin(), values.end(), dh.component(0) + domain.own_base());
        else
            assign_own_site_major(domain, dh, values);
        return dh;
    } catch (const IoError& e) {
        throw InputError(where + " cannot be read: " + e.what());
    }
}

} // namespace

std::optional<Field> read_initial_field(const Config& config, const Domain& domain) {
    if (config.field.init != InitKind::file) return std::nullopt;
    return init_file_field(config, domain);
}

std::optional<Field> read_source_field(const Config& config, const Domain& domain) {
    if (config.action.h_source != HSource::file) return std::nullopt;
    return file_source(config, domain);
}

} // namespace ssbsim
