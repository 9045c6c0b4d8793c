#include "ssbsim/physics/domain.hpp"

#include "ssbsim/core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace ssbsim {

namespace {

// Halo messages: one per component and direction, tags apart from the reductions' carries.
constexpr int halo_tag = 1000;
int tag(int component, int towards_higher) {
    return halo_tag + 2 * component + towards_higher;
}

// The slab of rank r: its first slice and thickness (the first L_0 mod R ranks one thicker).
std::pair<std::int64_t, std::int64_t> slab_of(std::int64_t L0, int ranks, int r) {
    const std::int64_t base = L0 / ranks, extra = L0 % ranks;
    const std::int64_t first = r * base + std::min<std::int64_t>(r, extra);
    return {first, base + (r < extra ? 1 : 0)};
}

Lattice slab_lattice(const Lattice& whole, std::int64_t slices) {
    std::vector<std::int64_t> dims = whole.extents();
    std::vector<Boundary> boundary(static_cast<std::size_t>(whole.dims()));
    for (int mu = 0; mu < whole.dims(); ++mu)
        boundary[mu] = whole.boundary(mu);
    dims[0] = slices + 2;         // a halo slice below and above
    boundary[0] = Boundary::open; // the halos are the neighbours; nothing wraps in a slab
    return Lattice(dims, boundary);
}

Lattice checked_split(const Lattice& whole, const Communicator& comm) {
    if (!comm.split()) return whole;
    if (whole.dims() < 2)
        throw InputError("lattice.dims: a 1D lattice is one row and cannot be split over " +
                         std::to_string(comm.size()) + " MPI ranks; run it on one rank");
    if (whole.extent(0) < comm.size())
        throw InputError("lattice.dims: axis 1 has " + std::to_string(whole.extent(0)) +
                         " slices, fewer than the " + std::to_string(comm.size()) +
                         " MPI ranks it is split over; use at most " +
                         std::to_string(whole.extent(0)) + " ranks");
    return slab_lattice(whole, slab_of(whole.extent(0), comm.size(), comm.rank()).second);
}

} // namespace

void HaloExchange::finish() {
    for (Request& r : requests_)
        r.wait();
    requests_.clear();
}

Domain::Domain(const Lattice& whole)
    : whole_(whole), local_(whole), comm_(Communicator::serial()), own_(RowRange::whole(whole)),
      rows_per_slice_(whole.rows() / whole.extent(0)), slices_(whole.extent(0)) {
    if (whole.dims() == 1) rows_per_slice_ = 1, slices_ = 1;
}

Domain::Domain(const Lattice& whole, const Communicator& comm)
    : whole_(whole), local_(checked_split(whole, comm)), comm_(comm), own_(RowRange::whole(whole)),
      rows_per_slice_(whole.rows() / whole.extent(0)), slices_(whole.extent(0)) {
    if (whole.dims() == 1) rows_per_slice_ = 1, slices_ = 1;
    if (!comm.split()) return;
    const auto [first, slices] = slab_of(whole.extent(0), comm.size(), comm.rank());
    first_slice_ = first;
    slices_ = slices;
    own_ = {rows_per_slice_, (slices + 1) * rows_per_slice_, (first - 1) * rows_per_slice_};
}

std::pair<std::int64_t, std::int64_t> Domain::slab_of_rank(int r) const {
    if (whole_.dims() == 1) return {0, 1};
    return slab_of(whole_.extent(0), comm_.size(), r);
}

HaloExchange Domain::start_halo_exchange(const Field& f) const {
    HaloExchange h;
    if (!split()) return h;
    const std::int64_t slice = rows_per_slice_ * whole_.row_length();
    const bool periodic = whole_.periodic(0);
    const int r = comm_.rank(), R = comm_.size();
    const int below = r > 0 ? r - 1 : (periodic ? R - 1 : -1);
    const int above = r + 1 < R ? r + 1 : (periodic ? 0 : -1);
    // The halos are written through a const field: they cache other ranks' rows (see above).
    auto* f_mut = const_cast<Field*>(&f);
    for (int a = 0; a < f.components(); ++a) {
        double* plane = f_mut->component(a);
        double* low_halo = plane;
        double* first_own = plane + slice;
        double* last_own = plane + slices_ * slice;
        double* high_halo = plane + (slices_ + 1) * slice;
        const auto n = static_cast<std::size_t>(slice);
        if (below >= 0) {
            h.requests_.push_back(comm_.irecv({low_halo, n}, below, tag(a, 1)));
            h.requests_.push_back(comm_.isend({first_own, n}, below, tag(a, 0)));
        } else { // open end: the edge slice is its own neighbour
            std::memcpy(low_halo, first_own, n * sizeof(double));
        }
        if (above >= 0) {
            h.requests_.push_back(comm_.irecv({high_halo, n}, above, tag(a, 0)));
            h.requests_.push_back(comm_.isend({last_own, n}, above, tag(a, 1)));
        } else {
            std::memcpy(high_halo, last_own, n * sizeof(double));
        }
    }
    return h;
}

std::optional<Field> Domain::gather(const Field& local) const {
    if (!split()) {
        Field copy(whole_, local.components());
        copy.copy_from(local);
        return copy;
    }
    std::optional<Field> out;
    if (comm_.root()) out.emplace(whole_, local.components());
    const auto own = static_cast<std::size_t>(own_sites());
    for (int a = 0; a < local.components(); ++a) {
        const std::vector<double> all = comm_.gather({local.component(a) + own_base(), own});
        if (out) std::copy(all.begin(), all.end(), out->component(a));
    }
    return out;
}

double max_abs(const Domain& domain, const Field& f) {
    if (!domain.split()) return f.max_abs();
    const RowRange own = domain.own();
    const std::int64_t len = domain.local().row_length();
    const double m = max_over_rows(own.last - own.first, len, [&](std::int64_t r) {
        double row_max = 0.0;
        for (int a = 0; a < f.components(); ++a) {
            const double* x = f.component(a) + (own.first + r) * len;
            for (std::int64_t i = 0; i < len; ++i) {
                const double ax = std::abs(x[i]);
                row_max = ax > row_max || std::isnan(ax) ? ax : row_max; // a NaN sticks
            }
        }
        return std::isnan(row_max) ? std::numeric_limits<double>::infinity() : row_max;
    });
    return domain.comm().max(m);
}

} // namespace ssbsim
