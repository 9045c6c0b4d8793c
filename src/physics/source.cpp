#include "ssbsim/physics/source.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/physics/rng.hpp"

#include <stdexcept>
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

} // namespace

std::optional<Field> source_field(const Config& c, const Lattice& lattice,
                                  std::optional<Field> from_file) {
    switch (c.action.h_source) {
    case HSource::random:
        return random_source(c, lattice);
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
