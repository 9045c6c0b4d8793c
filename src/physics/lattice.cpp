#include "ssbsim/physics/lattice.hpp"

#include "ssbsim/core/errors.hpp"

#include <string>

namespace ssbsim {

Lattice::Lattice(std::vector<std::int64_t> extents, std::vector<Boundary> boundary)
    : extents_(std::move(extents)), boundary_(std::move(boundary)) {
    if (extents_.empty() || extents_.size() > max_dims)
        throw InputError("lattice.dims: " + std::to_string(extents_.size()) +
                         " axes given, allowed 1 to 4");
    if (boundary_.size() == 1) boundary_.resize(extents_.size(), boundary_.front());
    if (boundary_.size() != extents_.size())
        throw InputError("lattice.boundary: " + std::to_string(boundary_.size()) + " entries for " +
                         std::to_string(extents_.size()) + " axes");
    stride_.assign(extents_.size(), 1);
    for (int mu = dims() - 1; mu >= 0; --mu) {
        if (extents_[mu] < 2)
            throw InputError("lattice.dims: extent " + std::to_string(extents_[mu]) + " of axis " +
                             std::to_string(mu + 1) + " is below the minimum 2");
        stride_[mu] = volume_;
        volume_ *= extents_[mu];
    }
}

std::int64_t Lattice::row_neighbour(std::int64_t row, int mu, int dir) const {
    // A row's index is its first site divided by the row length, so axis strides in row units
    // are the site strides divided by the row length.
    const std::int64_t stride = stride_[mu] / row_length();
    const std::int64_t x = (row / stride) % extents_[mu];
    std::int64_t y = x + dir;
    if (y < 0 || y >= extents_[mu]) {
        if (!periodic(mu)) return row;
        y = (y + extents_[mu]) % extents_[mu];
    }
    return row + (y - x) * stride;
}

std::int64_t Lattice::links(int mu) const {
    const std::int64_t per_line = periodic(mu) ? extents_[mu] : extents_[mu] - 1;
    return volume_ / extents_[mu] * per_line;
}

std::array<std::int64_t, max_dims> Lattice::coordinates(std::int64_t site) const {
    std::array<std::int64_t, max_dims> x{};
    for (int mu = 0; mu < dims(); ++mu)
        x[mu] = (site / stride_[mu]) % extents_[mu];
    return x;
}

std::int64_t Lattice::site(const std::array<std::int64_t, max_dims>& x) const {
    std::int64_t s = 0;
    for (int mu = 0; mu < dims(); ++mu)
        s += x[mu] * stride_[mu];
    return s;
}

} // namespace ssbsim
