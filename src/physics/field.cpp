#include "ssbsim/physics/field.hpp"

#include "ssbsim/core/parallel.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ssbsim {

namespace {
constexpr std::int64_t doubles_per_line = 8;
}

Field::Field(const Lattice& lattice, int components)
    : n_(components), volume_(lattice.volume()),
      stride_((lattice.volume() + doubles_per_line - 1) / doubles_per_line * doubles_per_line),
      row_length_(lattice.row_length()) {
    // Fields of a few MiB and up sit on 2 MiB boundaries and ask for transparent huge pages:
    // a sweep streams the whole field, and with 4 KiB pages every page boundary stops the
    // hardware prefetchers and costs a TLB miss. Only a hint; without it nothing changes.
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    std::size_t bytes = static_cast<std::size_t>(stride_ * n_) * sizeof(double);
    const std::size_t align = bytes >= 2 * huge_page ? huge_page : 64;
    bytes = (bytes + align - 1) / align * align; // aligned_alloc wants a multiple
    data_.reset(static_cast<double*>(std::aligned_alloc(align, bytes)));
    if (!data_) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align == huge_page) ::madvise(data_.get(), bytes, MADV_HUGEPAGE);
#endif
    // First touch by the same static row distribution the kernels use.
    double* base = data_.get();
    const std::int64_t rows = volume_ / row_length_;
    const std::int64_t len = row_length_;
    const std::int64_t stride = stride_;
    const int n = n_;
    for_each_row(rows, len, [=](std::int64_t r) {
        for (int a = 0; a < n; ++a)
            std::memset(base + a * stride + r * len, 0, len * sizeof(double));
    });
    for (int a = 0; a < n_; ++a)
        std::memset(base + a * stride_ + volume_, 0, (stride_ - volume_) * sizeof(double));
}

std::span<const double> Field::site_major(std::vector<double>& buffer) const {
    if (n_ == 1) return {data_.get(), static_cast<std::size_t>(volume_)};
    buffer.resize(static_cast<std::size_t>(volume_ * n_));
    for (int a = 0; a < n_; ++a) {
        const double* p = component(a);
        for (std::int64_t x = 0; x < volume_; ++x)
            buffer[x * n_ + a] = p[x];
    }
    return buffer;
}

void Field::assign_site_major(std::span<const double> values) {
    for (int a = 0; a < n_; ++a) {
        double* p = component(a);
        for (std::int64_t x = 0; x < volume_; ++x)
            p[x] = values[x * n_ + a];
    }
}

void Field::copy_from(const Field& other) {
    std::memcpy(data_.get(), other.data_.get(), stride_ * n_ * sizeof(double));
}

bool Field::bitwise_equal(const Field& other) const {
    if (n_ != other.n_ || volume_ != other.volume_) return false;
    for (int a = 0; a < n_; ++a)
        if (std::memcmp(component(a), other.component(a), volume_ * sizeof(double)) != 0)
            return false;
    return true;
}

double Field::max_abs() const {
    const std::int64_t rows = volume_ / row_length_, len = row_length_;
    return max_over_rows(rows, len, [&](std::int64_t row) {
        double m = 0.0;
        for (int a = 0; a < n_; ++a) {
            const double* x = component(a) + row * len;
            for (std::int64_t i = 0; i < len; ++i) {
                const double ax = std::abs(x[i]);
                m = ax > m || std::isnan(ax) ? ax : m; // a NaN sticks
            }
        }
        return std::isnan(m) ? std::numeric_limits<double>::infinity() : m;
    });
}

} // namespace ssbsim
