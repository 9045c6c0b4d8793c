// Gradient flow by Lüscher's third-order Runge–Kutta in Williamson's low-storage form
// (JHEP 1008:071, App. C):  for k = 1..3:  q ← A_k q + εF(W),  W ← W + B_k q,
// A = (0, −17/32, −32/27), B = (1/4, 8/9, 3/4); then W₃ = W₀ + Z₀/4 + 3Z₂/4 with Z_k = εF(W_k).
// flow_adaptive adds the embedded second-order solution W̃ = W₀ − Z₀ + 2Z₁ (Fritzsch & Ramos,
// arXiv:1301.4388), so the local error estimate is W₃ − W̃ = 5/4 Z₀ − 2 Z₁ + 3/4 Z₂, accumulated
// during the stages; the step is accepted when max|W₃ − W̃| ≤ tolerance and the next one scaled
// by 0.9 (tol/err)^{1/3}, clamped to [0.2, 2] and to RK3's linear stability limit (|z| < 2.51 on
// the negative real axis), which the error estimate alone cannot see where the force vanishes.
// flow_rk3 keeps no q field (see rk3_stage); flow_adaptive stores q and the error estimate.
#include "dynamics_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "sweep.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace ssbsim::detail {

namespace {

constexpr double rk_a[3] = {0.0, -17.0 / 32.0, -32.0 / 27.0};
constexpr double rk_b[3] = {1.0 / 4.0, 8.0 / 9.0, 3.0 / 4.0};
constexpr double err_c[3] = {5.0 / 4.0, -2.0, 3.0 / 4.0};

// One stage k of flow_adaptive: dst = src + B_k q with q ← A_k q + εF(src); and
// err ← err + C_k εF(src). Stage 0 (A_0 = 0, err starting at 0) neither reads q nor err, which
// may hold anything, even NaN from a rejected attempt.
template <int K>
void rk_stage(const Domain& domain, const ActionParams& p, double eps, const Field& src, Field& dst,
              Field& q, Field& err) {
    constexpr double A = rk_a[K], B = rk_b[K], C = err_c[K];
    force_sweep(domain, p, src, std::nullopt, [&](int a, std::int64_t off, const double*) {
        double* __restrict qa = q.component(a) + off;
        double* __restrict y = dst.component(a) + off;
        double* __restrict e = err.component(a) + off;
        return [=](std::int64_t t, double f, double x) {
            const double z = eps * f;
            if constexpr (K == 0) {
                qa[t] = z;
                y[t] = x + B * z;
                e[t] = C * z;
            } else {
                const double qn = A * qa[t] + z;
                qa[t] = qn;
                y[t] = x + B * qn;
                e[t] += C * z;
            }
        };
    });
}

// flow_rk3 without the q field: q is site-local and each stage's q is recovered from the two
// fields the stage leaves behind, q_k = (W_{k+1} − W_k)/B_k, so a step moves three fields'
// worth of data less (stages read 2, write 1 field instead of reading 3, writing 2). The
// recovered q differs from the stored one by the rounding of W_{k+1}, i.e. the results
// change at rounding level only. W_0 lives in phi, W_1 in w, W_2 in phi, W_3 in w.
void rk3_stage0(const Domain& domain, const ActionParams& p, double eps, const Field& w0,
                Field& w1) {
    const double B = rk_b[0];
    force_sweep(domain, p, w0, std::nullopt, [&](int a, std::int64_t off, const double*) {
        double* __restrict y = w1.component(a) + off;
        return [=](std::int64_t t, double f, double x) { y[t] = x + B * (eps * f); };
    });
}

// Stage k = 1, 2: src holds W_k, prev holds W_{k−1} and is overwritten with W_{k+1}.
void rk3_stage(const Domain& domain, const ActionParams& p, int k, double eps, const Field& src,
               Field& prev) {
    const double A = rk_a[k], B = rk_b[k], inv_b_prev = 1.0 / rk_b[k - 1];
    force_sweep(domain, p, src, std::nullopt, [&](int a, std::int64_t off, const double*) {
        double* __restrict y = prev.component(a) + off;
        return [=](std::int64_t t, double f, double x) {
            const double q = A * ((x - y[t]) * inv_b_prev) + eps * f;
            y[t] = x + B * q;
        };
    });
}

class FlowRK3 final : public Integrator {
  public:
    FlowRK3(const Domain& domain, int components)
        : domain_(domain), w_(domain.local(), components) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        rk3_stage0(domain_, in.action, in.eps, phi, w_);
        rk3_stage(domain_, in.action, 1, in.eps, w_, phi);
        rk3_stage(domain_, in.action, 2, in.eps, phi, w_);
        std::swap(phi, w_);
        return {in.eps, in.eps, 0};
    }

  private:
    Domain domain_;
    Field w_;
};

class FlowAdaptive final : public Integrator {
  public:
    FlowAdaptive(const Domain& domain, int components, double tolerance)
        : domain_(domain), w1_(domain.local(), components), w2_(domain.local(), components),
          q_(domain.local(), components), err_(domain.local(), components), tolerance_(tolerance) {}

    StepResult advance(Field& phi, const StepInput& in) override {
        constexpr int max_attempts = 60;
        constexpr double max_step = 1e3; // keeps ε·F finite where no other bound applies
        double eps = in.eps;
        for (int attempt = 0; attempt < max_attempts; ++attempt) {
            rk_stage<0>(domain_, in.action, eps, phi, w1_, q_, err_);
            rk_stage<1>(domain_, in.action, eps, w1_, w2_, q_, err_);
            rk_stage<2>(domain_, in.action, eps, w2_, w1_, q_, err_);
            const double err = max_abs(domain_, err_);
            if (!std::isfinite(err)) break;
            const double factor =
                err > 0.0 ? std::clamp(0.9 * std::cbrt(tolerance_ / err), 0.2, 2.0) : 2.0;
            if (err <= tolerance_) {
                std::swap(phi, w1_);
                const double limit =
                    1.25 * linear_stability_bound(in.action, domain_.whole().dims());
                return {eps, std::min({eps * factor, limit, max_step}), attempt};
            }
            eps *= factor;
        }
        throw DivergenceError("flow_adaptive: no step size reaches dynamics.tolerance = " +
                              std::to_string(tolerance_) + " at step " + std::to_string(in.step) +
                              "; the field has probably diverged already");
    }

  private:
    Domain domain_;
    Field w1_, w2_, q_, err_;
    double tolerance_;
};

} // namespace

std::unique_ptr<Integrator> make_flow_rk3(const Domain& domain, int components) {
    return std::make_unique<FlowRK3>(domain, components);
}

std::unique_ptr<Integrator> make_flow_adaptive(const Domain& domain, int components,
                                               double tolerance) {
    return std::make_unique<FlowAdaptive>(domain, components, tolerance);
}

} // namespace ssbsim::detail
