// The lattice geometry: extents and boundary per axis, site numbering, and the row structure
// every kernel iterates over. Sites are numbered row-major (last axis fastest); a "row" is a
// line along the last axis. Rows are the unit of threading and of the fixed-order reductions,
// and they stay whole under the MPI split along the first axis (domain.hpp). Tested by
// test_lattice.
#pragma once

#include "ssbsim/deck/config.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace ssbsim {

inline constexpr int max_dims = 4;

class Lattice {
  public:
    // Throws InputError for d outside 1..4, an extent < 2 or a boundary list of the wrong size.
    Lattice(std::vector<std::int64_t> extents, std::vector<Boundary> boundary);
    explicit Lattice(const LatticeConfig& c) : Lattice(c.dims, c.boundary) {}

    int dims() const { return static_cast<int>(extents_.size()); }
    std::int64_t extent(int mu) const { return extents_[mu]; }
    const std::vector<std::int64_t>& extents() const { return extents_; }
    Boundary boundary(int mu) const { return boundary_[mu]; }
    bool periodic(int mu) const { return boundary_[mu] == Boundary::periodic; }
    std::int64_t volume() const { return volume_; }

    std::int64_t row_length() const { return extents_.back(); }
    std::int64_t rows() const { return volume_ / row_length(); }

    // Row one step along axis mu < dims()-1 in direction dir = ±1; across an open boundary the
    // row itself, so that the missing link contributes (phi_x - phi_x) = 0 to every sum.
    std::int64_t row_neighbour(std::int64_t row, int mu, int dir) const;

    // Number of nearest-neighbour links (counting open boundaries correctly).
    std::int64_t links(int mu) const;

    std::array<std::int64_t, max_dims> coordinates(std::int64_t site) const;
    std::int64_t site(const std::array<std::int64_t, max_dims>& x) const;

    bool operator==(const Lattice&) const = default;

  private:
    std::vector<std::int64_t> extents_;
    std::vector<Boundary> boundary_;
    std::vector<std::int64_t> stride_; // site stride of each axis
    std::int64_t volume_ = 1;
};

} // namespace ssbsim
