// Underdamped Langevin (heavy-ball SGD with momentum β = e^{−γε}) by the BAOAB splitting
// (Leimkuhler & Matthews, Appl. Math. Res. Express 2013, 34):
//   B: p ← p + (ε/2) F(φ)   A: φ ← φ + (ε/2) p   O: p ← e^{−γε} p + √(T(1 − e^{−2γε})) ξ
//   A: φ ← φ + (ε/2) p      B: p ← p + (ε/2) F(φ')
// (unit mass). For a Gaussian field its configurational distribution is exact at any stable ε.
// The first four parts are site-local once F(φ) is known, so they fuse into one sweep that
// writes φ' out of place; the closing B is a second sweep, updating p in place.
#include "dynamics_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "sweep.hpp"

#include <cmath>

namespace ssbsim::detail {

namespace {

class Baoab final : public Integrator {
  public:
    Baoab(const Lattice& lattice, int components, double friction)
        : lattice_(lattice), next_(lattice, components), friction_(friction) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        if (!in.momentum) throw std::logic_error("method = momentum needs the momentum field");
        Field& mom = *in.momentum;
        const double eps = in.eps, half = 0.5 * in.eps;
        const double c1 = std::exp(-friction_ * eps);
        const double c2 = std::sqrt(in.temperature * (1.0 - c1 * c1));
        const auto noise = c2 > 0.0 ? std::optional(NoiseDraw{in.key, in.step}) : std::nullopt;
        Field& dst = next_;
        // Compiled with and without noise: a load merely masked off for a null xi still costs
        // a microcode assist per vector on AMD Zen.
        auto first = [&](auto noisy) {
            constexpr bool Noisy = decltype(noisy)::value;
            force_sweep(lattice_, in.action, phi, Noisy ? noise : std::nullopt,
                        [&](int a, std::int64_t off, const double* xi) {
                            double* __restrict y = dst.component(a) + off;
                            double* __restrict p = mom.component(a) + off;
                            return [=](std::int64_t t, double f, double x) {
                                double q = p[t] + half * f;         // B
                                const double x_half = x + half * q; // A
                                if constexpr (Noisy)                // O
                                    q = c1 * q + c2 * xi[t];
                                else
                                    q = c1 * q + 0.0;
                                y[t] = x_half + half * q; // A
                                p[t] = q;
                            };
                        });
        };
        if (noise)
            first(std::true_type{});
        else
            first(std::false_type{});
        force_sweep(lattice_, in.action, dst, std::nullopt,
                    [&](int a, std::int64_t off, const double*) {
                        double* __restrict p = mom.component(a) + off;
                        return [=](std::int64_t t, double f, double) { p[t] += half * f; }; // B
                    });
        std::swap(phi, next_);
        return {eps, eps, 0};
    }

  private:
    Lattice lattice_;
    Field next_;
    double friction_;
};

} // namespace

std::unique_ptr<Integrator> make_baoab(const Lattice& lattice, int components, double friction) {
    return std::make_unique<Baoab>(lattice, components, friction);
}

} // namespace ssbsim::detail
