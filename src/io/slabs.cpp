// A rank's slab in the files' layout (include/ssbsim/io/slabs.hpp).
#include "ssbsim/io/slabs.hpp"

#include <algorithm>
#include <stdexcept>

namespace ssbsim {

namespace {

// The whole axis 0 of a lattice held by one process (a 1D lattice: its only axis).
Slices whole_axis(const Domain& domain) {
    return {0, static_cast<std::uint64_t>(domain.whole().extent(0))};
}

std::int64_t sites_per_slice(const Domain& domain) {
    return domain.whole().volume() / domain.whole().extent(0);
}

} // namespace

Slices own_slices(const Domain& domain) {
    if (!domain.split()) return whole_axis(domain);
    return {static_cast<std::uint64_t>(domain.first_slice()),
            static_cast<std::uint64_t>(domain.slices())};
}

Slices slices_of_rank(const Domain& domain, int rank) {
    if (!domain.split()) return whole_axis(domain);
    const auto [first, count] = domain.slab_of_rank(rank);
    return {static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(count)};
}

std::uint64_t values_per_slice(const Domain& domain, int components) {
    return static_cast<std::uint64_t>(sites_per_slice(domain) * components);
}

std::vector<Slices> pieces(Slices slab, std::uint64_t per_slice, std::uint64_t max_values) {
    const std::uint64_t step =
        std::max<std::uint64_t>(1, max_values / std::max<std::uint64_t>(1, per_slice));
    std::vector<Slices> out;
    for (std::uint64_t s = 0; s < slab.count; s += step)
        out.push_back({slab.first + s, std::min(step, slab.count - s)});
    return out;
}

std::span<const double> own_site_major(const Domain& domain, const Field& f, Slices part,
                                       std::vector<double>& buffer) {
    const Slices own = own_slices(domain);
    if (part.first < own.first || part.first + part.count > own.first + own.count)
        throw std::logic_error("own_site_major: slices outside this rank's slab");
    const std::int64_t per = sites_per_slice(domain);
    const std::int64_t base =
        domain.own_base() + static_cast<std::int64_t>(part.first - own.first) * per;
    const std::int64_t sites = static_cast<std::int64_t>(part.count) * per;
    const int n = f.components();
    if (n == 1) return {f.component(0) + base, static_cast<std::size_t>(sites)};
    buffer.resize(static_cast<std::size_t>(sites * n));
    for (int a = 0; a < n; ++a) {
        const double* p = f.component(a) + base;
        for (std::int64_t x = 0; x < sites; ++x)
            buffer[static_cast<std::size_t>(x * n + a)] = p[x];
    }
    return buffer;
}

void assign_own_site_major(const Domain& domain, Field& f, std::span<const double> values) {
    const int n = f.components();
    const std::int64_t sites = domain.split() ? domain.own_sites() : domain.whole().volume();
    if (values.size() != static_cast<std::size_t>(sites * n))
        throw std::logic_error("assign_own_site_major: not one slab of values");
    for (int a = 0; a < n; ++a) {
        double* p = f.component(a) + domain.own_base();
        for (std::int64_t x = 0; x < sites; ++x)
            p[x] = values[static_cast<std::size_t>(x * n + a)];
    }
}

} // namespace ssbsim
