// method = hmc and fa_hmc: one run step is one trajectory. Momenta are drawn from the dynamics
// noise stream at the step's counter (p = √T ξ; fa_hmc: p = √T M^{1/2} ξ), the molecular
// dynamics runs in place, and the Metropolis test uses a counter-based uniform of the same key
// and step (a second one jitters the step size, dynamics.hmc_jitter); a rejected trajectory
// restores the field from a copy. Nothing but the field survives a step, so a checkpoint needs
// nothing more. Split over MPI ranks (hmc), every sweep runs on the rank's slab and ΔH is summed
// over the ranks in the order of one process: every rank takes the same decision, the bits of
// one process (fa_hmc's transform is not split: refused).
#include "ssbsim/dynamics/hmc.hpp"

#include "dynamics_impl.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "sweep.hpp"

#include <cmath>
#include <optional>
#include <string>

namespace ssbsim {

namespace {

// p ← p + c F(φ)
void kick(const Domain& domain, const ActionParams& action, const Field& phi, Field& p, double c) {
    detail::force_sweep(domain, action, phi, std::nullopt,
                        [&](int a, std::int64_t off, const double*) {
                            double* __restrict q = p.component(a) + off;
                            return [=](std::int64_t t, double f, double) { q[t] += c * f; };
                        });
}

// φ ← φ + c p
void drift(const Domain& domain, Field& phi, const Field& p, double c) {
    detail::site_sweep(domain, phi.components(), std::nullopt,
                       [&](int a, std::int64_t off, const double*) {
                           double* __restrict x = phi.component(a) + off;
                           const double* __restrict q = p.component(a) + off;
                           return [=](std::int64_t t) { x[t] += c * q[t]; };
                       });
}

} // namespace

void md_trajectory(const Domain& domain, const ActionParams& action, MdIntegrator integrator,
                   int steps, double eps, Field& phi, Field& p, const MdDrift& drift) {
    if (integrator == MdIntegrator::leapfrog) {
        kick(domain, action, phi, p, 0.5 * eps);
        for (int i = 0; i < steps; ++i) {
            drift(phi, p, eps);
            kick(domain, action, phi, p, i + 1 == steps ? 0.5 * eps : eps);
        }
        return;
    }
    const double l = omelyan_lambda;
    kick(domain, action, phi, p, l * eps);
    for (int i = 0; i < steps; ++i) {
        drift(phi, p, 0.5 * eps);
        kick(domain, action, phi, p, (1.0 - 2.0 * l) * eps);
        drift(phi, p, 0.5 * eps);
        kick(domain, action, phi, p, i + 1 == steps ? l * eps : 2.0 * l * eps);
    }
}

void md_trajectory(const Domain& domain, const ActionParams& action, MdIntegrator integrator,
                   int steps, double eps, Field& phi, Field& p) {
    md_trajectory(domain, action, integrator, steps, eps, phi, p,
                  [&](Field& x, const Field& q, double c) { drift(domain, x, q, c); });
}

void fourier_drift(const FourierMass& mass, Field& phi, const Field& p, double c, Field& work) {
    work.copy_from(p);
    mass.apply(work, FourierMass::inverse);
    drift(mass.transform().lattice(), phi, work, c);
}

double fourier_kinetic_sum(const FourierMass& mass, const Field& p, Field& work) {
    work.copy_from(p);
    mass.apply(work, FourierMass::inverse);
    const Lattice& lattice = mass.transform().lattice();
    const std::int64_t len = lattice.row_length();
    return sum_over_rows(lattice.rows(), len, 1,
                         [&](std::int64_t row, double* out) {
                             for (int a = 0; a < p.components(); ++a) {
                                 const double* q = p.component(a) + row * len;
                                 const double* v = work.component(a) + row * len;
                                 out[0] +=
                                     lane_sum(len, [&](std::int64_t i) { return q[i] * v[i]; });
                             }
                         })
               .front() *
           0.5;
}

double kinetic_sum(const Domain& domain, const Field& p) {
    const std::int64_t len = domain.local().row_length();
    return sum_over_rows(domain.comm(), domain.slab(), len, 1,
                         [&](std::int64_t row, double* out) {
                             for (int a = 0; a < p.components(); ++a) {
                                 const double* q = p.component(a) + row * len;
                                 out[0] +=
                                     lane_sum(len, [&](std::int64_t i) { return q[i] * q[i]; });
                             }
                         })
               .front() *
           0.5;
}

namespace detail {

namespace {

// mass: fa_hmc's Fourier mass; none for hmc (M = 1, whose arithmetic stays that of plain HMC).
class Hmc final : public Integrator {
  public:
    Hmc(const Domain& domain, int components, const DynamicsConfig& d, bool fourier)
        : domain_(domain), p_(domain.local(), components), old_(domain.local(), components),
          steps_(d.hmc_steps), integrator_(d.hmc_integrator), jitter_(d.hmc_jitter) {
        if (fourier) {
            mass_.emplace(domain, d.fourier_mass);
            work_.emplace(domain.local(), components);
        }
    }

    StepResult advance(Field& phi, const StepInput& in) override {
        const double T = in.temperature;
        const char* name = mass_ ? "fa_hmc" : "hmc";
        if (!(T > 0.0))
            throw InputError(std::string("method = ") + name +
                             " samples e^{-S/T} and needs a temperature T > 0 (got " +
                             std::to_string(T) + ")");
        if (mass_) mass_->prepare(in.action);
        const double sqrt_t = std::sqrt(T);
        site_sweep(domain_, phi.components(), NoiseDraw{in.key, in.step},
                   [&](int a, std::int64_t off, const double* xi) {
                       double* __restrict q = p_.component(a) + off;
                       return [=](std::int64_t t) { q[t] = sqrt_t * xi[t]; };
                   });
        if (mass_) mass_->apply(p_, FourierMass::sqrt);
        old_.copy_from(phi);
        // u[0] decides, u[1] jitters the step: both drawn before the trajectory, independent
        // of it and of the momenta (other counters of the same key and step).
        double u[2] = {0.0, 0.0};
        fill_uniform(in.key, Stream::dynamics, in.step, 0, 0, 2, u);
        const double eps = in.eps * (1.0 + jitter_ * (2.0 * u[1] - 1.0));
        const double h0 = action_sum(domain_, in.action, phi) + kinetic();
        if (mass_)
            md_trajectory(domain_, in.action, integrator_, steps_, eps, phi, p_,
                          [&](Field& x, const Field& q, double c) {
                              fourier_drift(*mass_, x, q, c, *work_);
                          });
        else
            md_trajectory(domain_, in.action, integrator_, steps_, eps, phi, p_);
        const double h1 = action_sum(domain_, in.action, phi) + kinetic();
        const double delta_h = (h1 - h0) / T;
        const bool accept = u[0] <= std::exp(-delta_h); // false for a NaN ΔH
        if (!accept) phi.copy_from(old_);
        // Training time advances by the nominal trajectory length, so that t = step × n ε.
        StepResult r{steps_ * in.eps, in.eps, 0};
        r.accepted = accept ? 1.0 : 0.0;
        r.delta_h = delta_h;
        return r;
    }

  private:
    double kinetic() {
        return mass_ ? fourier_kinetic_sum(*mass_, p_, *work_) : kinetic_sum(domain_, p_);
    }

    Domain domain_; // hmc: this rank's part (every sum over the ranks); fa_hmc: the whole
    Field p_, old_;
    std::optional<FourierMass> mass_;
    std::optional<Field> work_; // M⁻¹p
    int steps_;
    MdIntegrator integrator_;
    double jitter_; // relative half-width of the uniform spread of the trajectory's step
};

} // namespace

std::unique_ptr<Integrator> make_hmc(const Domain& domain, int components,
                                     const DynamicsConfig& dynamics) {
    return std::make_unique<Hmc>(domain, components, dynamics, false);
}

std::unique_ptr<Integrator> make_fa_hmc(const Domain& domain, int components,
                                        const DynamicsConfig& dynamics) {
    refuse_split(domain, "fa_hmc");
    return std::make_unique<Hmc>(domain, components, dynamics, true);
}

} // namespace detail

} // namespace ssbsim
