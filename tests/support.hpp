// Shared test helpers: programmatic configs, running a simulation into a time series, exact
// free-field sums over lattice momenta, a scoped OpenMP thread count.
#pragma once

#include "ssbsim/deck/config.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/rng.hpp"

#include <cmath>
#include <functional>
#include <numbers>
#include <omp.h>
#include <vector>

namespace ssbsim::test {

// A Gaussian field of standard deviation `scale`, a pure function of `seed` (the init stream).
inline Field random_field(const Lattice& lat, int n, std::uint32_t seed, double scale = 1.0) {
    Field phi(lat, n);
    for (int a = 0; a < n; ++a) {
        fill_gaussian({seed, 0}, Stream::init, 0, a, 0, lat.volume(), phi.component(a));
        for (std::int64_t x = 0; x < lat.volume(); ++x)
            phi.component(a)[x] *= scale;
    }
    return phi;
}

// Sets the OpenMP thread count for a scope and restores the previous one on leaving it (also by
// an exception), so that a bitwise test on 1 or 2 threads never changes the tests after it.
class ThreadCount {
  public:
    explicit ThreadCount(int threads) : previous_(omp_get_max_threads()) {
        omp_set_num_threads(threads);
    }
    ~ThreadCount() { omp_set_num_threads(previous_); }
    ThreadCount(const ThreadCount&) = delete;
    ThreadCount& operator=(const ThreadCount&) = delete;

  private:
    int previous_;
};

// A small periodic lattice, one component, free field unless changed.
inline Config free_config(std::vector<std::int64_t> dims, double m2, Method method, double eps) {
    Config c;
    c.run.seed = 12345;
    c.lattice.dims = std::move(dims);
    c.lattice.boundary = {Boundary::periodic};
    c.field.components = 1;
    c.field.init = InitKind::cold;
    c.field.init_value = {0.0};
    c.action.m2 = m2;
    c.action.lambda = 0.0;
    c.action.coupling = {1.0};
    c.action.h = {0.0};
    c.dynamics.method = method;
    c.dynamics.step = eps;
    c.dynamics.temperature = 1.0;
    return c;
}

// An interacting O(2) theory on a 3D lattice with mixed boundaries, anisotropic couplings and a
// field h: every term of the force at work. Large enough (> parallel_min_sites) that two threads
// really split it.
inline Config interacting_config(Method method, double eps = 0.02) {
    Config c = free_config({16, 12, 48}, -0.8, method, eps);
    c.lattice.boundary = {Boundary::periodic, Boundary::open, Boundary::periodic};
    c.field.components = 2;
    c.field.init_value = {0.3, -0.2};
    c.action.lambda = 0.7;
    c.action.coupling = {1.0, 0.6, 1.2};
    c.action.h = {0.05, 0.0};
    return c;
}

inline Field cold_field(const Config& c, double value = 0.0) {
    const Lattice lat(c.lattice);
    Field phi(lat, c.field.components);
    for (int a = 0; a < c.field.components; ++a)
        for (std::int64_t x = 0; x < lat.volume(); ++x)
            phi.component(a)[x] = value;
    return phi;
}

// Runs `thermalise` steps, then records observable `name` every `every` steps, n times.
inline std::vector<double> series(Simulation& sim, const char* name, std::int64_t thermalise,
                                  std::int64_t n, std::int64_t every = 1) {
    for (std::int64_t i = 0; i < thermalise; ++i)
        sim.advance();
    const int offset = record_offset(name, sim.config().field.components);
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k) {
        for (std::int64_t i = 0; i < every; ++i)
            sim.advance();
        out.push_back(sim.measure()[offset]);
    }
    return out;
}

// The field after `steps` steps from a cold start at 0.3, run on `threads` threads (the thread
// count in force before is restored).
inline Field run_with_threads(const Config& c, int threads, int steps) {
    const ThreadCount scope(threads);
    Simulation sim(c, cold_field(c, 0.3));
    for (int i = 0; i < steps; ++i)
        sim.advance();
    Field out(sim.lattice(), c.field.components);
    out.copy_from(sim.state().phi[0]);
    return out;
}

// V⁻¹ Σ_p f(k_p), k = p̂² + m², over the momenta of a periodic L^d lattice.
inline double mode_average(int L, int d, double m2, const std::function<double(double)>& f) {
    std::vector<double> phat2(static_cast<std::size_t>(L));
    for (int n = 0; n < L; ++n) {
        const double s = std::sin(std::numbers::pi * n / L);
        phat2[n] = 4.0 * s * s;
    }
    double sum = 0.0;
    std::int64_t count = 1;
    for (int mu = 0; mu < d; ++mu)
        count *= L;
    for (std::int64_t idx = 0; idx < count; ++idx) {
        double k = m2;
        for (std::int64_t rest = idx, mu = 0; mu < d; ++mu, rest /= L)
            k += phat2[rest % L];
        sum += f(k);
    }
    return sum / static_cast<double>(count);
}

} // namespace ssbsim::test
