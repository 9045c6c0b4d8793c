#include "ssbsim/force.hpp"

namespace ssbsim {

RowGeometry::RowGeometry(const Lattice& lattice, std::int64_t row)
    : base(row * lattice.row_length()) {
    for (int mu = 0; mu + 1 < lattice.dims(); ++mu) {
        up[mu] = lattice.row_neighbour(row, mu, +1) * lattice.row_length();
        down[mu] = lattice.row_neighbour(row, mu, -1) * lattice.row_length();
    }
}

} // namespace ssbsim
