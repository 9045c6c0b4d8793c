// Second-order stochastic Runge–Kutta Langevin (Batrouni et al., PRD 32, 2736 (1985)):
//   φ̃ = φ + εF(φ) + √(2Tε) ξ,   φ' = φ + (ε/2)[F(φ) + F(φ̃)] + √(2Tε) ξ   (the same ξ).
// Using εF(φ) = φ̃ − φ − √(2Tε) ξ the second stage becomes
//   φ' = (φ + φ̃)/2 + (ε/2) F(φ̃) + (1/2) √(2Tε) ξ,
// which reads φ only at the site itself, so it is written in place and F(φ) is never stored;
// ξ is regenerated from its counter instead of being kept. Bias O(ε²).
#include "dynamics_impl.hpp"
#include "sweep.hpp"

#include <cmath>

namespace ssbsim::detail {

namespace {

class Langevin2 final : public Integrator {
public:
    Langevin2(const Lattice& lattice, int components)
        : lattice_(lattice), predictor_(lattice, components) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        const double eps = in.eps;
        const double sigma = std::sqrt(2.0 * in.temperature * eps);
        const int n = phi.components();
        const auto noise = sigma > 0.0 ? std::optional(NoiseDraw{in.key, in.step}) : std::nullopt;
        Field& tilde = predictor_;
        force_sweep(lattice_, in.action, phi, noise,
                    [&](std::int64_t off, std::int64_t len, TileScratch& s) {
                        for (int a = 0; a < n; ++a) {
                            const double* x = phi.component(a) + off;
                            const double* f = s.force_of(a);
                            const double* xi = s.noise_of(a);
                            double* y = tilde.component(a) + off;
                            if (noise) {
#pragma omp simd
                                for (std::int64_t i = 0; i < len; ++i)
                                    y[i] = x[i] + eps * f[i] + sigma * xi[i];
                            } else {
#pragma omp simd
                                for (std::int64_t i = 0; i < len; ++i) y[i] = x[i] + eps * f[i];
                            }
                        }
                    });
        const double half_eps = 0.5 * eps, half_sigma = 0.5 * sigma;
        force_sweep(lattice_, in.action, tilde, noise,
                    [&](std::int64_t off, std::int64_t len, TileScratch& s) {
                        for (int a = 0; a < n; ++a) {
                            double* x = phi.component(a) + off;
                            const double* xt = tilde.component(a) + off;
                            const double* f = s.force_of(a);
                            const double* xi = s.noise_of(a);
                            if (noise) {
#pragma omp simd
                                for (std::int64_t i = 0; i < len; ++i)
                                    x[i] = 0.5 * (x[i] + xt[i]) + half_eps * f[i] +
                                           half_sigma * xi[i];
                            } else {
#pragma omp simd
                                for (std::int64_t i = 0; i < len; ++i)
                                    x[i] = 0.5 * (x[i] + xt[i]) + half_eps * f[i];
                            }
                        }
                    });
        return {eps, eps, 0};
    }

private:
    Lattice lattice_;
    Field predictor_;
};

} // namespace

std::unique_ptr<Integrator> make_langevin2(const Lattice& lattice, int components) {
    return std::make_unique<Langevin2>(lattice, components);
}

} // namespace ssbsim::detail
