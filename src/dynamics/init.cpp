// Initial conditions (field.init): cold, hot, or the last configuration of an earlier output.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/physics/rng.hpp"

#include <string>

namespace ssbsim {

namespace {

std::vector<double> per_component(std::vector<double> v, int n) {
    if (v.empty()) v.push_back(0.0);
    if (v.size() == 1) v.resize(static_cast<std::size_t>(n), v.front());
    return v;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

Field field_from_file(const Config& c, const Lattice& lattice) {
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
        Field phi(lattice, c.field.components);
        phi.assign_site_major(data.read_rows_double(shape[0] - 1, 1));
        return phi;
    } catch (const IoError& e) {
        throw InputError(key + " cannot be read: " + e.what());
    }
}

} // namespace

Field initial_field(const Config& c, const Lattice& lattice, int replica) {
    if (c.field.init == InitKind::file) return field_from_file(c, lattice);
    const int n = c.field.components;
    const std::vector<double> value = per_component(c.field.init_value, n);
    Field phi(lattice, n);
    const std::int64_t len = lattice.row_length();
    const bool hot = c.field.init == InitKind::hot;
    const double sigma = c.field.init_sigma;
    for_each_row(lattice.rows(), len, [&](std::int64_t row) {
        for (int a = 0; a < n; ++a) {
            double* x = phi.component(a) + row * len;
            if (hot) {
                fill_gaussian({c.run.seed, static_cast<std::uint32_t>(replica)}, Stream::init, 0, a,
                              row * len, len, x);
                for (std::int64_t i = 0; i < len; ++i)
                    x[i] = value[a] + sigma * x[i];
            } else {
                for (std::int64_t i = 0; i < len; ++i)
                    x[i] = value[a];
            }
        }
    });
    return phi;
}

std::vector<Field> initial_fields(const Config& c, const Lattice& lattice) {
    std::vector<Field> fields;
    fields.push_back(initial_field(c, lattice, 0));
    // Only a hot start depends on the replica (its key); cold and file starts are copied.
    const bool own =
        c.run.replica_init == ReplicaInit::independent && c.field.init == InitKind::hot;
    for (int r = 1; r < c.run.replicas; ++r) {
        if (own) {
            fields.push_back(initial_field(c, lattice, r));
        } else {
            fields.emplace_back(lattice, c.field.components);
            fields.back().copy_from(fields.front());
        }
    }
    return fields;
}

} // namespace ssbsim
