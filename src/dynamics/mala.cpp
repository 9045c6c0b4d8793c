// method = mala (Metropolis-adjusted Langevin; Roberts & Tweedie, Bernoulli 2, 341 (1996)): the
// Euler–Maruyama step y = φ + εF(φ) + √(2Tε) ξ as a proposal, accepted with probability
// min(1, e^{−ΔH}), ΔH = [S(y) − S(φ)]/T + [|φ − y − εF(y)|² − |y − φ − εF(φ)|²]/(4Tε), so the
// step bias of `langevin` is removed exactly. The noise is the dynamics stream at the step's
// counter (the same ξ as langevin's), the uniform a counter-based variate of the same key. Split
// over MPI ranks, the sweeps run on the rank's slab and ΔH's sums go over the ranks in the order
// of one process: every rank takes the same decision, with the bits of one process.
#include "dynamics_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "sweep.hpp"

#include <cmath>
#include <string>

namespace ssbsim::detail {

namespace {

class Mala final : public Integrator {
  public:
    Mala(const Domain& domain, int components)
        : domain_(domain), y_(domain.local(), components), f_(domain.local(), components),
          fy_(domain.local(), components) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        const double T = in.temperature, eps = in.eps;
        if (!(T > 0.0))
            throw InputError("method = mala samples e^{-S/T} and needs a temperature T > 0 (got " +
                             std::to_string(T) + ")");
        store_force(in.action, phi, f_);
        const double c = std::sqrt(2.0 * T * eps);
        site_sweep(domain_, phi.components(), NoiseDraw{in.key, in.step},
                   [&](int a, std::int64_t off, const double* xi) {
                       const double* __restrict x = phi.component(a) + off;
                       const double* __restrict f = f_.component(a) + off;
                       double* __restrict y = y_.component(a) + off;
                       return [=](std::int64_t t) { y[t] = x[t] + eps * f[t] + c * xi[t]; };
                   });
        store_force(in.action, y_, fy_);
        const double ds = action_sum(domain_, in.action, y_) - action_sum(domain_, in.action, phi);
        const std::vector<double> q = transition_sums(phi, eps);
        const double delta_h = ds / T + (q[1] - q[0]) / (4.0 * T * eps);
        double u = 0.0;
        fill_uniform(in.key, Stream::dynamics, in.step, 0, 0, 1, &u);
        const bool accept = u <= std::exp(-delta_h); // false for a NaN ΔH
        if (accept) std::swap(phi, y_);
        StepResult r{eps, eps, 0};
        r.accepted = accept ? 1.0 : 0.0;
        r.delta_h = delta_h;
        return r;
    }

  private:
    void store_force(const ActionParams& action, const Field& src, Field& out) const {
        force_sweep(domain_, action, src, std::nullopt,
                    [&](int a, std::int64_t off, const double*) {
                        double* __restrict f_out = out.component(a) + off;
                        return [=](std::int64_t t, double f, double) { f_out[t] = f; };
                    });
    }

    // {|y − φ − εF(φ)|², |φ − y − εF(y)|²} through the fixed-order reduction (over the ranks
    // in the order of one process).
    std::vector<double> transition_sums(const Field& phi, double eps) const {
        const std::int64_t len = domain_.local().row_length();
        return sum_over_rows(domain_.comm(), domain_.slab(), len, 2,
                             [&](std::int64_t row, double* out) {
                                 for (int a = 0; a < phi.components(); ++a) {
                                     const std::int64_t off = row * len;
                                     const double* x = phi.component(a) + off;
                                     const double* y = y_.component(a) + off;
                                     const double* f = f_.component(a) + off;
                                     const double* fy = fy_.component(a) + off;
                                     out[0] += lane_sum(len, [&](std::int64_t i) {
                                         const double d = y[i] - x[i] - eps * f[i];
                                         return d * d;
                                     });
                                     out[1] += lane_sum(len, [&](std::int64_t i) {
                                         const double d = x[i] - y[i] - eps * fy[i];
                                         return d * d;
                                     });
                                 }
                             });
    }

    Domain domain_; // this rank's part of the lattice (all of it without a split)
    Field y_, f_, fy_;
};

} // namespace

std::unique_ptr<Integrator> make_mala(const Domain& domain, int components) {
    return std::make_unique<Mala>(domain, components);
}

} // namespace ssbsim::detail
