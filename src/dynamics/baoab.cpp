// Underdamped Langevin (heavy-ball SGD with momentum β = e^{−γε}) by the BAOAB splitting
// (Leimkuhler & Matthews, Appl. Math. Res. Express 2013, 34):
//   B: p ← p + (ε/2) F(φ)   A: φ ← φ + (ε/2) p   O: p ← e^{−γε} p + √(T(1 − e^{−2γε})) ξ
//   A: φ ← φ + (ε/2) p      B: p ← p + (ε/2) F(φ')
// (unit mass). For a Gaussian field its configurational distribution is exact at any stable ε.
// First-same-as-last: F(φ') of the closing B is the F(φ) of the next step's opening B, so it is
// kept (ForceCache) and a step evaluates the force once. With F(φ) known the first four parts
// are site-local: one sweep writes φ' out of place; the closing B is a force sweep of φ' that
// updates p in place and stores F(φ'). A stale or missing cache (first step, resume, a schedule
// that changed the action) costs one extra force sweep and gives the same bits.
#include "dynamics_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "sweep.hpp"

#include <cmath>

namespace ssbsim::detail {

namespace {

class Baoab final : public Integrator {
  public:
    Baoab(const Domain& domain, int components, double friction)
        : domain_(domain), next_(domain.local(), components), friction_(friction) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        if (!in.momentum) throw std::logic_error("method = momentum needs the momentum field");
        ForceCache& cache = in.force_cache ? *in.force_cache : own_cache_;
        if (!cache.force) cache.force.emplace(domain_.local(), phi.components());
        if (!cache.valid_for(in.action)) store_force(phi, in.action, *cache.force);
        open(phi, in, *cache.force);
        Field& mom = *in.momentum;
        Field& force = *cache.force;
        const double half = 0.5 * in.eps;
        force_sweep(domain_, in.action, next_, std::nullopt,
                    [&](int a, std::int64_t off, const double*) {
                        double* __restrict p = mom.component(a) + off;
                        double* __restrict f_out = force.component(a) + off;
                        return [=](std::int64_t t, double f, double) {
                            p[t] += half * f; // B
                            f_out[t] = f;
                        };
                    });
        cache.params = in.action;
        cache.valid = in.force_cache != nullptr;
        std::swap(phi, next_);
        return {in.eps, in.eps, 0};
    }

  private:
    void store_force(const Field& phi, const ActionParams& action, Field& force) const {
        force_sweep(domain_, action, phi, std::nullopt,
                    [&](int a, std::int64_t off, const double*) {
                        double* __restrict f_out = force.component(a) + off;
                        return [=](std::int64_t t, double f, double) { f_out[t] = f; };
                    });
    }

    // B-A-O-A from the cached F(φ): φ' into next_, p in place.
    void open(const Field& phi, const StepInput& in, const Field& force) {
        Field& mom = *in.momentum;
        const double half = 0.5 * in.eps;
        const double c1 = std::exp(-friction_ * in.eps);
        const double c2 = std::sqrt(in.temperature * (1.0 - c1 * c1));
        const auto noise =
            c2 > 0.0 ? std::optional(NoiseDraw{in.key, in.step, in.noise.shared}) : std::nullopt;
        Field& dst = next_;
        // Compiled with and without noise: a load merely masked off for a null xi still costs
        // a microcode assist per vector on AMD Zen.
        auto sweep = [&](auto noisy) {
            constexpr bool Noisy = decltype(noisy)::value;
            site_sweep(domain_, phi.components(), Noisy ? noise : std::nullopt,
                       [&](int a, std::int64_t off, const double* xi) {
                           const double* __restrict x = phi.component(a) + off;
                           const double* __restrict f = force.component(a) + off;
                           double* __restrict y = dst.component(a) + off;
                           double* __restrict p = mom.component(a) + off;
                           return [=](std::int64_t t) {
                               double q = p[t] + half * f[t];         // B
                               const double x_half = x[t] + half * q; // A
                               if constexpr (Noisy)                   // O
                                   q = c1 * q + c2 * xi[t];
                               else
                                   q = c1 * q + 0.0;
                               y[t] = x_half + half * q; // A
                               p[t] = q;
                           };
                       });
        };
        if (noise)
            sweep(std::true_type{});
        else
            sweep(std::false_type{});
    }

    Domain domain_;
    Field next_;
    double friction_;
    ForceCache own_cache_; // when the caller keeps none: used within one step only
};

} // namespace

std::unique_ptr<Integrator> make_baoab(const Domain& domain, int components, double friction) {
    return std::make_unique<Baoab>(domain, components, friction);
}

} // namespace ssbsim::detail
