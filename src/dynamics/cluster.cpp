// Swendsen–Wang and Wolff updates of the embedded Ising spins (see cluster.hpp). The bonds of SW
// are drawn row by row in parallel (each from its own counter), the clusters found by a serial
// union-find that links every root under the smaller one (so each cluster's root is its
// smallest site, whatever the order of work), and the flips applied row by row in parallel.
// Wolff grows one cluster from its seed, drawing only the bonds it examines (the same bonds SW
// would draw at this step).
#include "ssbsim/dynamics/cluster.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace ssbsim {

namespace {

constexpr int flip_component = 4; // uniform of a cluster's flip, at its smallest site
constexpr int seed_component = 5; // uniform of Wolff's seed site, at site 0

// The neighbours of a site along each axis, -1 where there is no link (open boundary; an axis
// of extent 1, whose only "link" is the site with itself and carries no coupling).
struct Geometry {
    int dims;
    std::int64_t volume;
    std::array<std::int64_t, max_dims> extent{}, stride{};
    std::array<bool, max_dims> periodic{};

    explicit Geometry(const Lattice& lattice) : dims(lattice.dims()), volume(lattice.volume()) {
        std::int64_t s = 1;
        for (int mu = dims - 1; mu >= 0; --mu) {
            extent[mu] = lattice.extent(mu);
            stride[mu] = s;
            periodic[mu] = lattice.periodic(mu);
            s *= extent[mu];
        }
    }
    std::int64_t coordinate(std::int64_t x, int mu) const { return (x / stride[mu]) % extent[mu]; }
    std::int64_t up(std::int64_t x, int mu) const {
        if (extent[mu] == 1) return -1;
        if (coordinate(x, mu) + 1 < extent[mu]) return x + stride[mu];
        return periodic[mu] ? x - (extent[mu] - 1) * stride[mu] : -1;
    }
    std::int64_t down(std::int64_t x, int mu) const {
        if (extent[mu] == 1) return -1;
        if (coordinate(x, mu) > 0) return x - stride[mu];
        return periodic[mu] ? x + (extent[mu] - 1) * stride[mu] : -1;
    }
};

// Brower–Tamayo: the link is a bond with probability 1 − e^{−2 J a_x a_y / T} where J a_x a_y > 0.
bool bonded(double j_over_t, double ax, double ay, double u) {
    const double w = 2.0 * j_over_t * ax * ay;
    return w > 0.0 && u <= -std::expm1(-w);
}

void check_symmetric(const Lattice& lattice, const ActionParams& action, double T) {
    if (!(T > 0.0)) throw InputError("a cluster update samples exp(-S/T) and needs T > 0");
    if (action.has_mean_axis(lattice.dims()))
        throw InputError("cluster updates need nearest-neighbour axes: a mean-field axis couples "
                         "every site of a fibre, which the bond construction cannot express");
    bool field = action.source != nullptr;
    for (double h : action.h)
        field = field || h != 0.0;
    if (field)
        throw InputError("cluster updates need h = 0: an external field or source breaks the "
                         "reflection symmetry that a cluster flip uses");
}

// out[i] += φ_{first+i}·r for n sites of the component planes: the one loop that forms a, so
// that one process and a split run round alike (a split run calls it per row too).
void project(const Field& phi, std::span<const double> r, std::int64_t first, std::int64_t n,
             double* out) {
    for (int c = 0; c < phi.components(); ++c) {
        const double* x = phi.component(c) + first;
        for (std::int64_t i = 0; i < n; ++i)
            out[i] += r[static_cast<std::size_t>(c)] * x[i];
    }
}

// a_x = φ_x·r for every site.
std::vector<double> projections(const Lattice& lattice, const Field& phi,
                                std::span<const double> r) {
    std::vector<double> a(static_cast<std::size_t>(lattice.volume()), 0.0);
    const std::int64_t len = lattice.row_length();
    for_each_row(lattice.rows(), len,
                 [&](std::int64_t row) { project(phi, r, row * len, len, a.data() + row * len); });
    return a;
}

void reflect(Field& phi, std::int64_t x, double ax, std::span<const double> r) {
    for (int c = 0; c < phi.components(); ++c)
        phi.component(c)[x] -= 2.0 * ax * r[static_cast<std::size_t>(c)];
}

std::int64_t find_root(std::vector<std::int64_t>& parent, std::int64_t x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

ClusterResult swendsen_wang(const Lattice& lattice, const ActionParams& action, double T,
                            NoiseKey key, std::uint64_t step, std::span<const double> r,
                            Field& phi) {
    const Geometry g(lattice);
    const std::int64_t V = g.volume, len = lattice.row_length();
    const std::vector<double> a = projections(lattice, phi, r);
    // bond[μ V + x]: the link x → x+μ is a bond.
    std::vector<std::uint8_t> bond(static_cast<std::size_t>(g.dims * V), 0);
    std::vector<std::uint8_t> flip(static_cast<std::size_t>(V), 0);
    for_each_row_with(
        lattice.rows(), len, [&] { return std::vector<double>(static_cast<std::size_t>(len)); },
        [&](std::int64_t row, std::vector<double>& u) {
            const std::int64_t base = row * len;
            for (int mu = 0; mu < g.dims; ++mu) {
                const double j = action.coupling[mu] / T;
                if (j == 0.0) continue;
                fill_uniform(key, Stream::cluster, step, mu, base, len, u.data());
                for (std::int64_t i = 0; i < len; ++i) {
                    const std::int64_t x = base + i, y = g.up(x, mu);
                    bond[mu * V + x] = y >= 0 && bonded(j, a[x], a[y], u[i]);
                }
            }
            fill_uniform(key, Stream::cluster, step, flip_component, base, len, u.data());
            for (std::int64_t i = 0; i < len; ++i)
                flip[base + i] = u[i] <= 0.5;
        });
    // Union-find, serial: each root is linked under the smaller root, so a root is always the
    // smallest site of its tree and the final labels do not depend on the order of the unions.
    std::vector<std::int64_t> parent(static_cast<std::size_t>(V));
    for (std::int64_t x = 0; x < V; ++x)
        parent[x] = x;
    for (std::int64_t x = 0; x < V; ++x)
        for (int mu = 0; mu < g.dims; ++mu) {
            if (!bond[mu * V + x]) continue;
            const std::int64_t rx = find_root(parent, x), ry = find_root(parent, g.up(x, mu));
            if (rx < ry)
                parent[ry] = rx;
            else if (ry < rx)
                parent[rx] = ry;
        }
    ClusterResult result;
    for (std::int64_t x = 0; x < V; ++x) { // parent[x] <= x: its label is already final
        parent[x] = parent[parent[x]];
        result.clusters += parent[x] == x;
    }
    std::vector<std::int64_t> flipped(static_cast<std::size_t>(lattice.rows()), 0);
    for_each_row(lattice.rows(), len, [&](std::int64_t row) {
        for (std::int64_t x = row * len; x < (row + 1) * len; ++x)
            if (flip[parent[x]]) {
                reflect(phi, x, a[x], r);
                ++flipped[row];
            }
    });
    for (std::int64_t f : flipped)
        result.flipped += f;
    return result;
}

// Swendsen–Wang on a lattice split in slabs of axis 0 (physics/domain.hpp), with the bits of one
// process: the same bonds (uniforms at the global site), the same clusters labelled by their
// smallest global site, hence the same flips. Each rank links its own sites and the slice above
// its slab (the next rank's first, in the halo) by a local union-find; a cluster that crosses a
// rank boundary is one local cluster on each side, with the sites of the shared slice in both.
// The root joins those through the boundary slices' labels (two slices per rank) and sends the
// final label of every boundary label back; every other cluster is whole on its rank.
ClusterResult swendsen_wang_split(const Domain& domain, const ActionParams& action, double T,
                                  NoiseKey key, std::uint64_t step, std::span<const double> r,
                                  Field& phi) {
    const Geometry g(domain.whole());
    const Communicator& comm = domain.comm();
    const std::int64_t len = domain.whole().row_length();
    const std::int64_t slice = domain.rows_per_slice() * len, own = domain.own_sites();
    const std::int64_t base = domain.own_base(), global_base = domain.global_site_of_base();
    const std::int64_t next_slice =
        (domain.first_slice() + domain.slices()) % domain.whole().extent(0);
    domain.exchange_halos(phi);
    // Nodes [0, own): own sites; [own, own + slice): the slice above, stored behind them.
    const std::int64_t nodes = own + slice;
    std::vector<std::int64_t> gid(static_cast<std::size_t>(nodes));
    std::vector<double> a(static_cast<std::size_t>(nodes), 0.0);
    for (std::int64_t k = 0; k < nodes; ++k)
        gid[k] = k < own ? global_base + k : next_slice * slice + (k - own);
    for_each_row(nodes / len, len, [&](std::int64_t row) {
        project(phi, r, base + row * len, len, a.data() + row * len);
    });
    // The node of the site above own node k along μ (-1: no link). Nodes are laid out as the
    // sites are, the slice above right behind the slab, so the offset is the global one, except
    // across the periodic wrap of axis 0 (last rank), where the slice above is still k + slice.
    const auto up_node = [&](std::int64_t k, int mu) -> std::int64_t {
        const std::int64_t x = global_base + k, y = g.up(x, mu);
        if (y < 0) return -1;
        return mu == 0 ? k + slice : k + (y - x);
    };
    std::vector<std::uint8_t> bond(static_cast<std::size_t>(g.dims * own), 0);
    for_each_row_with(
        own / len, len, [&] { return std::vector<double>(static_cast<std::size_t>(len)); },
        [&](std::int64_t row, std::vector<double>& u) {
            const std::int64_t first = row * len;
            for (int mu = 0; mu < g.dims; ++mu) {
                const double j = action.coupling[mu] / T;
                if (j == 0.0) continue;
                fill_uniform(key, Stream::cluster, step, mu, global_base + first, len, u.data());
                for (std::int64_t i = 0; i < len; ++i) {
                    const std::int64_t y = up_node(first + i, mu);
                    bond[mu * own + first + i] = y >= 0 && bonded(j, a[first + i], a[y], u[i]);
                }
            }
        });
    std::vector<std::int64_t> parent(static_cast<std::size_t>(nodes));
    for (std::int64_t k = 0; k < nodes; ++k)
        parent[k] = k;
    for (std::int64_t k = 0; k < own; ++k)
        for (int mu = 0; mu < g.dims; ++mu) {
            if (!bond[mu * own + k]) continue;
            const std::int64_t rx = find_root(parent, k);
            const std::int64_t ry = find_root(parent, up_node(k, mu));
            if (gid[rx] < gid[ry])
                parent[ry] = rx;
            else if (gid[ry] < gid[rx])
                parent[rx] = ry;
        }
    std::vector<std::int64_t> label(static_cast<std::size_t>(nodes));
    for (std::int64_t k = 0; k < nodes; ++k)
        label[k] = gid[find_root(parent, k)];
    // The boundary slices' labels (exact in doubles below 2^53 sites), joined on the root.
    std::vector<double> edges(static_cast<std::size_t>(2 * slice));
    for (std::int64_t k = 0; k < slice; ++k) {
        edges[k] = static_cast<double>(label[k]);
        edges[slice + k] = static_cast<double>(label[own + k]);
    }
    std::vector<double> joined = comm.gather(edges);
    const int ranks = comm.size();
    joined.resize(static_cast<std::size_t>(2 * slice * ranks));
    if (comm.root()) {
        std::unordered_map<std::int64_t, std::int64_t> up;
        const auto find = [&](std::int64_t x) {
            while (true) {
                const auto it = up.find(x);
                if (it == up.end() || it->second == x) return x;
                x = it->second;
            }
        };
        for (int k = 0; k < ranks; ++k) {
            if (k == ranks - 1 && !g.periodic[0]) break; // no link above the last slice
            const std::size_t above = static_cast<std::size_t>(2 * slice * k + slice);
            const std::size_t below = static_cast<std::size_t>(2 * slice * ((k + 1) % ranks));
            for (std::int64_t j = 0; j < slice; ++j) {
                const auto x = find(static_cast<std::int64_t>(joined[above + j]));
                const auto y = find(static_cast<std::int64_t>(joined[below + j]));
                if (x != y) up[std::max(x, y)] = std::min(x, y);
            }
        }
        for (double& l : joined)
            l = static_cast<double>(find(static_cast<std::int64_t>(l)));
    }
    comm.broadcast(std::span<double>(joined));
    std::unordered_map<std::int64_t, std::int64_t> final_label;
    const std::size_t mine = static_cast<std::size_t>(2 * slice * comm.rank());
    for (std::int64_t k = 0; k < slice; ++k) {
        final_label[label[k]] = static_cast<std::int64_t>(joined[mine + k]);
        final_label[label[own + k]] = static_cast<std::int64_t>(joined[mine + slice + k]);
    }
    std::unordered_map<std::int64_t, bool> flip; // by final label: its uniform at that site
    ClusterResult result;
    for (std::int64_t k = 0; k < own; ++k) {
        const auto it = final_label.find(label[k]);
        const std::int64_t f = it == final_label.end() ? label[k] : it->second;
        result.clusters += f == gid[k];
        auto [at, fresh] = flip.try_emplace(f, false);
        if (fresh) {
            double u = 0.0;
            fill_uniform(key, Stream::cluster, step, flip_component, f, 1, &u);
            at->second = u <= 0.5;
        }
        if (at->second) {
            reflect(phi, base + k, a[k], r);
            ++result.flipped;
        }
    }
    return result;
}

ClusterResult wolff(const Lattice& lattice, const ActionParams& action, double T, NoiseKey key,
                    std::uint64_t step, std::span<const double> r, Field& phi) {
    const Geometry g(lattice);
    const std::int64_t V = g.volume;
    auto project = [&](std::int64_t x) {
        double s = 0.0;
        for (int c = 0; c < phi.components(); ++c)
            s += r[static_cast<std::size_t>(c)] * phi.component(c)[x];
        return s;
    };
    auto link_bonded = [&](int mu, std::int64_t from, double a_from, double a_to) {
        double u = 0.0;
        fill_uniform(key, Stream::cluster, step, mu, from, 1, &u);
        return bonded(action.coupling[mu] / T, a_from, a_to, u);
    };
    double u = 0.0;
    fill_uniform(key, Stream::cluster, step, seed_component, 0, 1, &u);
    const std::int64_t seed =
        std::min(V - 1, static_cast<std::int64_t>(u * static_cast<double>(V)));
    std::vector<std::uint8_t> in(static_cast<std::size_t>(V), 0);
    std::vector<std::int64_t> cluster{seed}; // also the stack: sites [next, size) unexamined
    std::vector<double> a_of{project(seed)};
    in[seed] = 1;
    for (std::size_t next = 0; next < cluster.size(); ++next) {
        const std::int64_t x = cluster[next];
        const double ax = a_of[next];
        for (int mu = 0; mu < g.dims; ++mu) {
            if (action.coupling[mu] == 0.0) continue;
            for (const bool forward : {true, false}) {
                const std::int64_t y = forward ? g.up(x, mu) : g.down(x, mu);
                if (y < 0 || in[y]) continue;
                const double ay = project(y);
                // The link's uniform lives at its lower end along μ (x → x+μ): on an axis of
                // extent 2, x+μ = x−μ but the two links are distinct.
                if (!(forward ? link_bonded(mu, x, ax, ay) : link_bonded(mu, y, ay, ax))) continue;
                in[y] = 1;
                cluster.push_back(y);
                a_of.push_back(ay);
            }
        }
    }
    for (std::size_t k = 0; k < cluster.size(); ++k)
        reflect(phi, cluster[k], a_of[k], r);
    return {1, static_cast<std::int64_t>(cluster.size())};
}

} // namespace

ClusterResult cluster_update_along(const Lattice& lattice, const ActionParams& action, double T,
                                   ClusterKind kind, NoiseKey key, std::uint64_t step,
                                   std::span<const double> r, Field& phi) {
    check_symmetric(lattice, action, T);
    if (static_cast<int>(r.size()) != phi.components())
        throw std::logic_error("cluster_update_along: r needs one entry per component");
    return kind == ClusterKind::sw ? swendsen_wang(lattice, action, T, key, step, r, phi)
                                   : wolff(lattice, action, T, key, step, r, phi);
}

ClusterResult cluster_update(const Domain& domain, const ActionParams& action, double T,
                             ClusterKind kind, NoiseKey key, std::uint64_t step, Field& phi) {
    const int n = phi.components();
    std::vector<double> r(static_cast<std::size_t>(n), 1.0);
    if (n > 1) { // a uniformly distributed direction: normalised Gaussians
        double norm2 = 0.0;
        for (int c = 0; c < n; ++c) {
            fill_gaussian(key, Stream::cluster, step, c, 0, 1, &r[static_cast<std::size_t>(c)]);
            norm2 += r[static_cast<std::size_t>(c)] * r[static_cast<std::size_t>(c)];
        }
        for (double& x : r)
            x /= std::sqrt(norm2);
    }
    if (!domain.split())
        return cluster_update_along(domain.whole(), action, T, kind, key, step, r, phi);
    check_symmetric(domain.whole(), action, T);
    if (kind != ClusterKind::sw) // Simulation refuses it before the first step
        throw std::logic_error("cluster_update: Wolff is not available split over MPI ranks");
    return swendsen_wang_split(domain, action, T, key, step, r, phi);
}

} // namespace ssbsim
