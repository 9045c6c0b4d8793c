#include "ssbsim/physics/force.hpp"

#include "ssbsim/core/parallel.hpp"
#include "ssbsim/physics/domain.hpp"

#include <span>

namespace ssbsim {

RowGeometry::RowGeometry(const Lattice& lattice, std::int64_t row, std::int64_t global_row_offset)
    : row(row), base(row * lattice.row_length()), global_row(row + global_row_offset),
      global_site(global_row * lattice.row_length()) {
    for (int mu = 0; mu + 1 < lattice.dims(); ++mu) {
        up[mu] = lattice.row_neighbour(row, mu, +1) * lattice.row_length();
        down[mu] = lattice.row_neighbour(row, mu, -1) * lattice.row_length();
    }
}

FibreMeans::FibreMeans(const Lattice& lattice, const ActionParams& p, const Field& phi)
    : FibreMeans(Domain(lattice), p, phi) {}

FibreMeans::FibreMeans(const Domain& domain, const ActionParams& p, const Field& phi)
    : row_length_(domain.local().row_length()), slow_axes_(domain.local().dims() - 1),
      axes_(static_cast<std::size_t>(domain.local().dims())) {
    const Lattice& lattice = domain.local();
    const int n = phi.components();
    const std::int64_t len = row_length_, rows = lattice.rows();
    std::int64_t inner = 1;
    for (int mu = slow_axes_ - 1; mu >= 0; --mu) { // row strides of the slow axes
        axes_[mu].inner = inner;
        axes_[mu].extent = lattice.extent(mu);
        inner *= lattice.extent(mu);
    }
    for (int mu = 0; mu <= slow_axes_; ++mu) {
        if (p.kind[mu] != CouplingKind::mean) continue;
        Axis& ax = axes_[static_cast<std::size_t>(mu)];
        if (mu == slow_axes_) { // the row itself
            ax.per_component = rows;
            ax.values.assign(static_cast<std::size_t>(n * rows), 0.0);
            for (int a = 0; a < n; ++a)
                for_each_row(rows, len, [&](std::int64_t r) {
                    const double* x = phi.component(a) + r * len;
                    double s = 0.0;
                    for (std::int64_t i = 0; i < len; ++i)
                        s += x[i];
                    ax.values[static_cast<std::size_t>(a * rows + r)] =
                        s / static_cast<double>(len);
                });
            continue;
        }
        const std::int64_t reduced = rows / ax.extent;
        ax.per_component = reduced * len;
        ax.values.assign(static_cast<std::size_t>(n * ax.per_component), 0.0);
        if (mu == 0 && domain.split()) {
            split_axis_means(domain, phi, ax);
            continue;
        }
        for (int a = 0; a < n; ++a)
            for_each_row(reduced, len * ax.extent, [&](std::int64_t rr) {
                double* m = ax.values.data() + a * ax.per_component + rr * len;
                const std::int64_t hi = rr / ax.inner, lo = rr % ax.inner;
                for (std::int64_t x = 0; x < ax.extent; ++x) { // fixed order along the fibre
                    const std::int64_t r = (hi * ax.extent + x) * ax.inner + lo;
                    const double* y = phi.component(a) + r * len;
                    for (std::int64_t i = 0; i < len; ++i)
                        m[i] += y[i];
                }
                for (std::int64_t i = 0; i < len; ++i)
                    m[i] /= static_cast<double>(ax.extent);
            });
    }
}

// Axis 0 split over the ranks: the fibres run through every rank. The sums over the slices start
// from the running sums of the ranks before (rank order = slice order), continue over the own
// slices in order and go on to the next rank; the last rank divides and its means reach every
// rank through the root. The same additions in the same order as one process.
void FibreMeans::split_axis_means(const Domain& domain, const Field& phi, Axis& ax) {
    const Communicator& comm = domain.comm();
    const std::int64_t len = domain.local().row_length();
    const RowRange own = domain.own();
    const std::span<double> all(ax.values);
    if (comm.rank() > 0) comm.recv(all, comm.rank() - 1, 4);
    for (int a = 0; a < phi.components(); ++a)
        for_each_row(ax.inner, len * domain.slices(), [&](std::int64_t rr) {
            double* m = ax.values.data() + a * ax.per_component + rr * len;
            for (std::int64_t r = own.first + rr; r < own.last; r += ax.inner) {
                const double* y = phi.component(a) + r * len;
                for (std::int64_t i = 0; i < len; ++i)
                    m[i] += y[i];
            }
        });
    const int last = comm.size() - 1;
    if (comm.rank() < last) comm.send(all, comm.rank() + 1, 4);
    if (comm.rank() == last) {
        const auto extent = static_cast<double>(domain.whole().extent(0));
        for (double& v : ax.values)
            v /= extent;
        if (last != 0) comm.send(all, 0, 5);
    }
    if (comm.root() && last != 0) comm.recv(all, last, 5);
    comm.broadcast(all);
}

const double* FibreMeans::row(int mu, int a, std::int64_t row) const {
    const Axis& ax = axes_[static_cast<std::size_t>(mu)];
    if (mu == slow_axes_) return ax.values.data() + a * ax.per_component + row;
    const std::int64_t reduced = row / (ax.extent * ax.inner) * ax.inner + row % ax.inner;
    return ax.values.data() + a * ax.per_component + reduced * row_length_;
}

ForceParams::ForceParams(const Lattice& lattice, const ActionParams& p, const Field& phi)
    : ForceParams(Domain(lattice), p, phi) {}

ForceParams::ForceParams(const Domain& domain, const ActionParams& p, const Field& phi)
    : params(p) {
    if (!p.has_mean_axis(domain.local().dims())) return;
    means.emplace(domain, p, phi);
    params.means = &*means;
}

} // namespace ssbsim
