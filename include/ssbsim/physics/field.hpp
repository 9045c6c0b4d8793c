// Owning storage for an N-component real field on a lattice, component-major (all sites of
// component 0, then component 1, ...) so that every kernel streams unit-stride over sites.
// Each component plane starts on a 64-byte boundary. Memory is first touched by the threads
// that will use it (NUMA placement). Tested by test_field.
#pragma once

#include "ssbsim/physics/lattice.hpp"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

namespace ssbsim {

class Field {
  public:
    Field(const Lattice& lattice, int components); // zero-initialised

    int components() const { return n_; }
    std::int64_t volume() const { return volume_; }

    double* component(int a) { return data_.get() + a * stride_; }
    const double* component(int a) const { return data_.get() + a * stride_; }

    // Layout conversion for I/O, which uses [site][component] (HDF5 shape [L_1..L_d, N]): the
    // field's own storage where the layouts coincide (N = 1), else a copy into `buffer`. Saving
    // a large one-component field thus never doubles the peak memory.
    std::span<const double> site_major(std::vector<double>& buffer) const;
    void assign_site_major(std::span<const double> values);

    void copy_from(const Field& other);
    bool bitwise_equal(const Field& other) const;
    // max |φ| over sites and components; +inf if any value is NaN or inf.
    double max_abs() const;

  private:
    struct Free {
        void operator()(double* p) const { std::free(p); }
    };
    int n_;
    std::int64_t volume_;
    std::int64_t stride_; // volume rounded up to a whole cache line of doubles
    std::int64_t row_length_;
    std::unique_ptr<double[], Free> data_;
};

} // namespace ssbsim
