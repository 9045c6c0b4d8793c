#include "ssbsim/measure/replicas.hpp"

#include "ssbsim/core/comm.hpp"

#include <cmath>

namespace ssbsim {

namespace {

// [Σ φ^a·φ^b, Σ |φ^a − φ^b|²] over the lattice.
std::vector<double> pair_sums(const Domain& domain, const Field& a, const Field& b) {
    const std::int64_t len = domain.local().row_length();
    return sum_over_rows(domain.comm(), domain.slab(), len, 2, [&](std::int64_t row, double* out) {
        for (int c = 0; c < a.components(); ++c) {
            const double* x = a.component(c) + row * len;
            const double* y = b.component(c) + row * len;
            out[0] += lane_sum(len, [&](std::int64_t i) { return x[i] * y[i]; });
            out[1] += lane_sum(len, [&](std::int64_t i) { return (x[i] - y[i]) * (x[i] - y[i]); });
        }
    });
}

} // namespace

ReplicaMetrics replica_metrics(const Domain& domain, const std::vector<Field>& phi) {
    const std::size_t r = phi.size();
    if (r < 2) return {};
    std::vector<double> norm2(r);
    for (std::size_t a = 0; a < r; ++a)
        norm2[a] = pair_sums(domain, phi[a], phi[a])[0];
    double q = 0.0, d = 0.0;
    for (std::size_t a = 0; a < r; ++a)
        for (std::size_t b = a + 1; b < r; ++b) {
            const std::vector<double> s = pair_sums(domain, phi[a], phi[b]);
            const double n = std::sqrt(norm2[a] * norm2[b]);
            // Two fields at exactly 0 (a symmetric start under flow) are identical: q = 1.
            q += n > 0.0 ? s[0] / n : (norm2[a] == norm2[b] ? 1.0 : 0.0);
            d += s[1] / static_cast<double>(domain.whole().volume());
        }
    const double pairs = static_cast<double>(r * (r - 1) / 2);
    return {q / pairs, d / pairs};
}

} // namespace ssbsim
