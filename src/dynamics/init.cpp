// Initial conditions (field.init): cold, hot, or the last configuration of an earlier output
// (read by the caller: io/inputs.hpp).
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/physics/rng.hpp"

#include <string>

namespace ssbsim {

namespace {

std::vector<double> per_component(std::vector<double> v, int n) {
    if (v.empty()) v.push_back(0.0);
    if (v.size() == 1) v.resize(static_cast<std::size_t>(n), v.front());
    return v;
}

} // namespace

Field initial_field(const Config& c, const Domain& domain, int replica,
                    const std::optional<Field>& from_file) {
    const Lattice& lattice = domain.local();
    if (c.field.init == InitKind::file) {
        if (!from_file)
            throw std::logic_error("field.init = file: the caller must read field.init_file "
                                   "(io/inputs.hpp)");
        Field phi(lattice, from_file->components()); // this rank's part, read per slab
        phi.copy_from(*from_file);
        return phi;
    }
    const int n = c.field.components;
    const std::vector<double> value = per_component(c.field.init_value, n);
    Field phi(lattice, n);
    const std::int64_t len = lattice.row_length();
    const bool hot = c.field.init == InitKind::hot;
    const double sigma = c.field.init_sigma;
    const RowRange own = domain.own();
    for_each_row(own.last - own.first, len, [&](std::int64_t r) {
        const std::int64_t row = own.first + r; // drawn by the global site (invariant 1)
        for (int a = 0; a < n; ++a) {
            double* x = phi.component(a) + row * len;
            if (hot) {
                fill_gaussian({c.run.seed, static_cast<std::uint32_t>(replica)}, Stream::init, 0, a,
                              (row + own.global_row_offset) * len, len, x);
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

std::vector<Field> initial_fields(const Config& c, const Domain& domain,
                                  const std::optional<Field>& from_file) {
    std::vector<Field> fields;
    fields.push_back(initial_field(c, domain, 0, from_file));
    // Only a hot start depends on the replica (its key); cold and file starts are copied.
    const bool own =
        c.run.replica_init == ReplicaInit::independent && c.field.init == InitKind::hot;
    for (int r = 1; r < c.run.replicas; ++r) {
        if (own) {
            fields.push_back(initial_field(c, domain, r, from_file));
        } else {
            fields.emplace_back(domain.local(), c.field.components);
            fields.back().copy_from(fields.front());
        }
    }
    return fields;
}

} // namespace ssbsim
