#include "ssbsim/physics/source.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/physics/rng.hpp"

#include <string>

namespace ssbsim {

namespace {

Field random_source(const Config& c, const Lattice& lattice) {
    Field dh(lattice, c.field.components);
    for (int a = 0; a < c.field.components; ++a) {
        double* x = dh.component(a);
        fill_gaussian({c.action.h_seed, 0}, Stream::source, 0, a, 0, lattice.volume(), x);
        for (std::int64_t i = 0; i < lattice.volume(); ++i)
            x[i] *= c.action.h_sigma;
    }
    return dh;
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

std::optional<Field> source_field(const Config& c, const Lattice& lattice) {
    switch (c.action.h_source) {
    case HSource::random:
        return random_source(c, lattice);
    case HSource::file:
        return file_source(c, lattice);
    default:
        return std::nullopt;
    }
}

} // namespace ssbsim
