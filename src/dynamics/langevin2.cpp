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
    Langevin2(const Domain& domain, int components)
        : domain_(domain), predictor_(domain.local(), components) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        const double sigma = std::sqrt(2.0 * in.temperature * in.eps);
        if (sigma > 0.0)
            steps<true>(phi, in, sigma);
        else
            steps<false>(phi, in, 0.0);
        return {in.eps, in.eps, 0};
    }

  private:
    template <bool Noisy>
    void steps(Field& phi, const StepInput& in, double sigma) {
        const double eps = in.eps;
        const auto noise =
            Noisy ? std::optional(NoiseDraw{in.key, in.step, in.noise.shared}) : std::nullopt;
        Field& tilde = predictor_;
        force_sweep(domain_, in.action, phi, noise, [&](int a, std::int64_t off, const double* xi) {
            double* __restrict y = tilde.component(a) + off;
            return [=](std::int64_t t, double f, double x) {
                if constexpr (Noisy)
                    y[t] = x + eps * f + sigma * xi[t];
                else
                    y[t] = x + eps * f;
            };
        });
        const double half_eps = 0.5 * eps, half_sigma = 0.5 * sigma;
        force_sweep(domain_, in.action, tilde, noise,
                    [&](int a, std::int64_t off, const double* xi) {
                        double* __restrict x = phi.component(a) + off;
                        return [=](std::int64_t t, double f, double xt) {
                            if constexpr (Noisy)
                                x[t] = 0.5 * (x[t] + xt) + half_eps * f + half_sigma * xi[t];
                            else
                                x[t] = 0.5 * (x[t] + xt) + half_eps * f;
                        };
                    });
    }

    Domain domain_;
    Field predictor_;
};

} // namespace

std::unique_ptr<Integrator> make_langevin2(const Domain& domain, int components) {
    return std::make_unique<Langevin2>(domain, components);
}

} // namespace ssbsim::detail
