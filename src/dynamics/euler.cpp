// Euler–Maruyama Langevin and Euler gradient flow: φ' = φ + εF(φ) + √(2Tε) ξ.
// At T = 0 (and for `flow`) the noise-free sweep runs, so `langevin` at T = 0 and `flow` are
// the same arithmetic and agree bit for bit. [training] dropout (langevin and flow are the methods
// that take it) masks force and noise per neuron; shared noise only changes the noise counter.
#include "dynamics_impl.hpp"
#include "sweep.hpp"

#include <cmath>

namespace ssbsim::detail {

namespace {

class Euler final : public Integrator {
  public:
    Euler(const Domain& domain, int components, bool noisy)
        : domain_(domain), next_(domain.local(), components), noisy_(noisy) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        if (in.noise.dropout > 0.0)
            step(phi, in, DropoutDraw{in.key, in.step, in.noise.dropout, in.noise.neuron_is_row});
        else
            step(phi, in, NoDropout{});
        return {in.eps, in.eps, 0};
    }

  private:
    // Dropout is a type, not a flag, so that the step without it compiles without the mask.
    template <class Dropout>
    void step(Field& phi, const StepInput& in, Dropout dropout) {
        const double eps = in.eps;
        const Field& src = phi;
        Field& dst = next_;
        if (noisy_ && in.temperature > 0.0) {
            const double sigma = std::sqrt(2.0 * in.temperature * eps);
            force_sweep(
                domain_, in.action, src, NoiseDraw{in.key, in.step, in.noise.shared},
                [&](int a, std::int64_t off, const double* xi) {
                    double* __restrict y = dst.component(a) + off;
                    return [=](std::int64_t t, double f, double x) {
                        y[t] = x + eps * f + sigma * xi[t];
                    };
                },
                dropout);
        } else {
            force_sweep(
                domain_, in.action, src, std::nullopt,
                [&](int a, std::int64_t off, const double*) {
                    double* __restrict y = dst.component(a) + off;
                    return [=](std::int64_t t, double f, double x) { y[t] = x + eps * f; };
                },
                dropout);
        }
        std::swap(phi, next_);
    }

    Domain domain_;
    Field next_;
    bool noisy_;
};

} // namespace

std::unique_ptr<Integrator> make_euler(const Domain& domain, int components, bool noisy) {
    return std::make_unique<Euler>(domain, components, noisy);
}

} // namespace ssbsim::detail
