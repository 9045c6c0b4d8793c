// Euler–Maruyama Langevin and Euler gradient flow: φ' = φ + εF(φ) + √(2Tε) ξ.
// At T = 0 (and for `flow`) the noise-free sweep runs, so `langevin` at T = 0 and `flow` are
// the same arithmetic and agree bit for bit.
#include "dynamics_impl.hpp"
#include "sweep.hpp"

#include <cmath>

namespace ssbsim::detail {

namespace {

class Euler final : public Integrator {
public:
    Euler(const Lattice& lattice, int components, bool noisy)
        : lattice_(lattice), next_(lattice, components), noisy_(noisy) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        const double eps = in.eps;
        const int n = phi.components();
        const Field& src = phi;
        Field& dst = next_;
        if (noisy_ && in.temperature > 0.0) {
            const double sigma = std::sqrt(2.0 * in.temperature * eps);
            force_sweep(lattice_, in.action, src, NoiseDraw{in.key, in.step},
                        [&](std::int64_t off, std::int64_t len, TileScratch& s) {
                            for (int a = 0; a < n; ++a) {
                                const double* x = src.component(a) + off;
                                const double* f = s.force_of(a);
                                const double* xi = s.noise_of(a);
                                double* y = dst.component(a) + off;
#pragma omp simd
                                for (std::int64_t i = 0; i < len; ++i)
                                    y[i] = x[i] + eps * f[i] + sigma * xi[i];
                            }
                        });
        } else {
            force_sweep(lattice_, in.action, src, std::nullopt,
                        [&](std::int64_t off, std::int64_t len, TileScratch& s) {
                            for (int a = 0; a < n; ++a) {
                                const double* x = src.component(a) + off;
                                const double* f = s.force_of(a);
                                double* y = dst.component(a) + off;
#pragma omp simd
                                for (std::int64_t i = 0; i < len; ++i) y[i] = x[i] + eps * f[i];
                            }
                        });
        }
        std::swap(phi, next_);
        return {eps, eps, 0};
    }

private:
    Lattice lattice_;
    Field next_;
    bool noisy_;
};

} // namespace

std::unique_ptr<Integrator> make_euler(const Lattice& lattice, int components, bool noisy) {
    return std::make_unique<Euler>(lattice, components, noisy);
}

} // namespace ssbsim::detail
