// method = fa_langevin: Fourier-accelerated Euler–Maruyama (Batrouni et al., PRD 32, 2736
// (1985)), φ' = φ + ε M⁻¹F(φ) + √(2Tε) M^{-1/2} ξ with the Fourier mass M of physics/fourier.hpp:
// mode k takes the step ε_k = ε / M_k, the highest mode ε itself, the long-wavelength modes up
// to (p²_max + μ²)/μ² times more. The noise ξ is langevin's (dynamics stream, counted by step,
// global site and component), so at M = 1 this would be langevin's step. In the training
// dictionary: preconditioned SGD, the preconditioner diagonal in the eigenbasis of the coupling.
// Cost: one force sweep and three transforms per component (force and noise forward, their
// weighted sum back). Stationary free-field variance of mode k: T / (a_k (1 − ε_k a_k / 2)),
// a_k = p̂² + m² (the Euler–Maruyama formula with the mode's own step; test_fourier).
#include "dynamics_impl.hpp"
#include "ssbsim/physics/fourier.hpp"
#include "sweep.hpp"

#include <cmath>

namespace ssbsim::detail {

namespace {

class FaLangevin final : public Integrator {
  public:
    FaLangevin(const Domain& domain, int components, double mu)
        : lattice_(domain.whole()), mass_(domain, mu), force_(lattice_, components),
          noise_(lattice_, components) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        mass_.prepare(in.action);
        const double eps = in.eps;
        const bool noisy = in.temperature > 0.0;
        const double sigma = noisy ? std::sqrt(2.0 * in.temperature * eps) : 0.0;
        if (noisy)
            force_sweep(lattice_, in.action, phi, NoiseDraw{in.key, in.step, in.noise.shared},
                        [&](int a, std::int64_t off, const double* xi) {
                            double* __restrict g = force_.component(a) + off;
                            double* __restrict n = noise_.component(a) + off;
                            return [=](std::int64_t t, double f, double) {
                                g[t] = eps * f;
                                n[t] = sigma * xi[t];
                            };
                        });
        else
            force_sweep(lattice_, in.action, phi, std::nullopt,
                        [&](int a, std::int64_t off, const double*) {
                            double* __restrict g = force_.component(a) + off;
                            return [=](std::int64_t t, double f, double) { g[t] = eps * f; };
                        });
        const LaplacianTransform& transform = mass_.transform();
        const std::span<const double> w_force = mass_.weights(FourierMass::inverse);
        const std::span<const double> w_noise = mass_.weights(FourierMass::inverse_sqrt);
        const double inv_norm = 1.0 / transform.norm();
        const std::int64_t len = lattice_.row_length();
        for (int a = 0; a < phi.components(); ++a) {
            double* g = force_.component(a);
            double* n = noise_.component(a);
            transform.forward(g);
            if (noisy) transform.forward(n);
            for_each_row(lattice_.rows(), len, [&](std::int64_t row) {
                const std::int64_t off = row * len;
                double* __restrict gr = g + off;
                const double* __restrict nr = n + off;
                const double* __restrict wf = w_force.data() + off;
                const double* __restrict wn = w_noise.data() + off;
                if (noisy)
                    for (std::int64_t t = 0; t < len; ++t)
                        gr[t] = (wf[t] * gr[t] + wn[t] * nr[t]) * inv_norm;
                else
                    for (std::int64_t t = 0; t < len; ++t)
                        gr[t] = wf[t] * gr[t] * inv_norm;
            });
            transform.backward(g);
            double* x = phi.component(a);
            for_each_row(lattice_.rows(), len, [&](std::int64_t row) {
                const std::int64_t off = row * len;
                double* __restrict xr = x + off;
                const double* __restrict gr = g + off;
                for (std::int64_t t = 0; t < len; ++t)
                    xr[t] += gr[t];
            });
        }
        return {eps, eps, 0};
    }

  private:
    Lattice lattice_;
    FourierMass mass_;
    Field force_, noise_; // ε F and √(2Tε) ξ, transformed in place
};

} // namespace

std::unique_ptr<Integrator> make_fa_langevin(const Domain& domain, int components,
                                             double fourier_mass) {
    return std::make_unique<FaLangevin>(domain, components, fourier_mass);
}

} // namespace ssbsim::detail
