#include "ssbsim/physics/source.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/physics/rng.hpp"

#include <stdexcept>
#include <string>

namespace ssbsim {

namespace {

Field random_source(const Config& c, const Domain& domain) {
    Field dh(domain.local(), c.field.components);
    const std::int64_t n = domain.own_sites();
    for (int a = 0; a < c.field.components; ++a) {
        double* x = dh.component(a) + domain.own_base();
        fill_gaussian({c.action.h_seed, 0}, Stream::source, 0, a, domain.global_site_of_base(), n,
                      x);
        for (std::int64_t i = 0; i < n; ++i)
            x[i] *= c.action.h_sigma;
    }
    return dh;
}

} // namespace

std::optional<Field> source_field(const Config& c, const Domain& domain,
                                  std::optional<Field> from_file) {
    switch (c.action.h_source) {
    case HSource::random:
        return random_source(c, domain);
    case HSource::file:
        if (!from_file)
            throw std::logic_error("action.h_source = file: the caller must read action.h_file "
                                   "(io/inputs.hpp)");
        return from_file;
    default:
        return std::nullopt;
    }
}

} // namespace ssbsim
