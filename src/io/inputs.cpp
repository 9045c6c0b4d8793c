// The files a run reads before it starts (include/ssbsim/io/inputs.hpp).
#include "ssbsim/io/inputs.hpp"

#include "ssbsim/core/checks.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/text.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <algorithm>
#include <string>

namespace ssbsim {

namespace {

Field init_file_field(const Config& c, const Lattice& lattice) {
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
        const std::vector<double> values = data.read_rows_double(shape[0] - 1, 1);
        if (const auto bad = first_bad_value(values, c.dynamics.field_bound))
            throw InputError(key + ": /configurations/field has " +
                             bad_value_text(values, *bad, shape, (shape[0] - 1) * values.size()) +
                             "; an initial field must be finite and within dynamics.field_bound");
        Field phi(lattice, c.field.components);
        phi.assign_site_major(values);
        return phi;
    } catch (const IoError& e) {
        throw InputError(key + " cannot be read: " + e.what());
    }
}

Field file_source(const Config& c, const Lattice& lattice) {
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
        const std::vector<double> values = d.read_double();
        if (const auto bad = first_bad_value(values, c.dynamics.field_bound))
            throw InputError(where + ": dataset '" + c.action.h_dataset + "' has " +
                             bad_value_text(values, *bad, shape) +
                             "; a source must be finite and within dynamics.field_bound");
        Field dh(lattice, n);
        if (scalar)
            std::copy(values.begin(), values.end(), dh.component(0));
        else
            dh.assign_site_major(values);
        return dh;
    } catch (const IoError& e) {
        throw InputError(where + " cannot be read: " + e.what());
    }
}

} // namespace

std::optional<Field> read_initial_field(const Config& config, const Lattice& lattice) {
    if (config.field.init != InitKind::file) return std::nullopt;
    return init_file_field(config, lattice);
}

std::optional<Field> read_source_field(const Config& config, const Lattice& lattice) {
    if (config.action.h_source != HSource::file) return std::nullopt;
    return file_source(config, lattice);
}

} // namespace ssbsim
