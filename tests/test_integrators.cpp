// Physics checks of every integrator on an interacting theory, of the three kinds of openQCD's
// devel/wflow/check1-3.c: a symmetry (each update commutes with φ → −φ and with a global O(N)
// rotation, h and the source transformed alike), a monotonicity (gradient flow never raises the
// action at small ε, in the broken phase), and a convergence order (halve ε: the error falls by
// 2^order, Euler flow 1, RK3 3).
//
// The noise is a function of its counter (step, site, component) and cannot be handed to an
// integrator. So the symmetries are checked in two parts that together are the statement
// U(Rφ, Rξ) = R U(φ, ξ): at T = 0 every integrator itself, exactly (Z2: to the bit); at T > 0,
// that each noisy update is its scheme's formula in the ξ drawn for the step (regenerated here
// from the counter), and that this formula evaluated at (Rφ, Rξ) is R times the integrator's own
// update. The law of ξ is O(N)-invariant (independent unit normals per component: test_rng and
// the last case here), so the noisy dynamics is covariant in distribution.
// Not checked here: the weak order of langevin/langevin2 on an interacting theory (its bias is
// below the statistical error of any run that fits the default suite); their exact free-field
// biases and the single-site quadratures are in test_dynamics.
#include "dynamics/sweep.hpp"
#include "ssbsim/dynamics/dynamics.hpp"
#include "ssbsim/dynamics/methods.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/rng.hpp"
#include "support.hpp"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

using namespace ssbsim;
using ssbsim::test::random_field;

namespace {

using Matrix = std::vector<std::vector<double>>; // N × N

std::string method_name(Method m) {
    return std::string(method_spec(m).name);
}

// Every method of the registry: a new one is checked here as soon as it has its row. The exact
// samplers (hmc, mala) have no T = 0 limit; test_samplers checks them (their Metropolis test,
// MALA's proposal = the langevin step in the same noise, the reversibility of the MD).
std::vector<Method> all_methods() {
    std::vector<Method> out;
    for (const MethodSpec& spec : method_table())
        if (!spec.exact) out.push_back(spec.method);
    return out;
}

// A rotation of R^N with no invariant axis among the components: the product of plane
// rotations by different angles in every plane (a, b).
Matrix rotation(int n) {
    Matrix r(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(n), 0.0));
    for (int a = 0; a < n; ++a)
        r[a][a] = 1.0;
    double angle = 0.7;
    for (int a = 0; a < n; ++a)
        for (int b = a + 1; b < n; ++b, angle += 0.45) {
            const double c = std::cos(angle), s = std::sin(angle);
            for (int i = 0; i < n; ++i) {
                const double ra = r[i][a], rb = r[i][b];
                r[i][a] = c * ra - s * rb;
                r[i][b] = s * ra + c * rb;
            }
        }
    return r;
}

Field rotate(const Matrix& r, const Field& phi, const Lattice& lat) {
    const int n = phi.components();
    Field out(lat, n);
    for (std::int64_t x = 0; x < lat.volume(); ++x)
        for (int a = 0; a < n; ++a) {
            double s = 0.0;
            for (int b = 0; b < n; ++b)
                s += r[a][b] * phi.component(b)[x];
            out.component(a)[x] = s;
        }
    return out;
}

std::vector<double> rotate(const Matrix& r, const std::vector<double>& h) {
    std::vector<double> out(h.size(), 0.0);
    for (std::size_t a = 0; a < h.size(); ++a)
        for (std::size_t b = 0; b < h.size(); ++b)
            out[a] += r[a][b] * h[b];
    return out;
}

Matrix minus_one(int n) {
    Matrix r(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(n), 0.0));
    for (int a = 0; a < n; ++a)
        r[a][a] = -1.0;
    return r;
}

// max |x − y| / max(1, max |y|) over sites and components.
double relative_difference(const Field& x, const Field& y) {
    double diff = 0.0, scale = 1.0;
    for (int a = 0; a < x.components(); ++a)
        for (std::int64_t i = 0; i < x.volume(); ++i) {
            diff = std::max(diff, std::abs(x.component(a)[i] - y.component(a)[i]));
            scale = std::max(scale, std::abs(y.component(a)[i]));
        }
    return diff / scale;
}

bool equal_values(const Field& x, const Field& y) { // == per value: −0 equals +0
    for (int a = 0; a < x.components(); ++a)
        for (std::int64_t i = 0; i < x.volume(); ++i)
            if (!(x.component(a)[i] == y.component(a)[i])) return false;
    return true;
}

// The interacting theory of the symmetry tests: broken phase, a nearest-neighbour and a
// mean-field axis with open and periodic boundaries, a uniform h and a site-dependent source.
struct Theory {
    Lattice lattice;
    int n;
    ActionParams params;
    Field source;

    Theory(int components, CouplingKind second_axis)
        : lattice({6, 20}, {Boundary::open, Boundary::periodic}), n(components),
          source(random_field(lattice, components, 31, 0.2)) {
        params.m2 = -1.0;
        params.lambda = 0.5;
        params.coupling = {1.0, 0.7, 0.0, 0.0};
        params.kind = {CouplingKind::nearest, second_axis, CouplingKind::nearest,
                       CouplingKind::nearest};
        for (int a = 0; a < n; ++a)
            params.h.push_back(0.1 - 0.07 * a);
        params.source = &source;
    }
};

// The state an integrator advances: the field and, for momentum, the conjugate momentum.
struct FieldState {
    Field phi;
    Field p;
};

// The same theory and state transformed by r (h and the source too).
struct Transformed {
    Field source;
    ActionParams params;
    FieldState state;
};

Transformed transform(const Matrix& r, const Theory& th, const FieldState& s) {
    Transformed t{rotate(r, th.source, th.lattice),
                  th.params,
                  {rotate(r, s.phi, th.lattice), rotate(r, s.p, th.lattice)}};
    t.params.h = rotate(r, th.params.h);
    return t;
}

DynamicsConfig dynamics_of(Method m, double eps) {
    DynamicsConfig d;
    d.method = m;
    d.step = eps;
    d.friction = 0.8;
    d.tolerance = 0.5; // flow_adaptive accepts every first try at this ε (checked below)
    return d;
}

// `steps` steps of method m at temperature T from `s`; returns the training time advanced.
double advance(Method m, const Lattice& lat, const ActionParams& p, FieldState& s, double eps,
               double T, int steps, std::uint64_t first_step = 0) {
    auto integrator = make_integrator(dynamics_of(m, eps), lat, s.phi.components());
    double time = 0.0;
    for (int k = 0; k < steps; ++k) {
        const StepInput in{p, eps, T, first_step + static_cast<std::uint64_t>(k), {5, 1}, &s.p};
        time += integrator->advance(s.phi, in).dt;
    }
    return time;
}

// −∂S/∂φ by the force kernel.
Field force(const Lattice& lat, const ActionParams& p, const Field& phi) {
    Field f(lat, phi.components());
    detail::force_sweep(lat, p, phi, std::nullopt, [&](int a, std::int64_t off, const double*) {
        double* out = f.component(a) + off;
        return [=](std::int64_t t, double force, double) { out[t] = force; };
    });
    return f;
}

// The noise the integrators draw at `step`, every component of every site.
Field noise(const Lattice& lat, int n, std::uint64_t step) {
    Field xi(lat, n);
    for (int a = 0; a < n; ++a)
        fill_gaussian({5, 1}, Stream::dynamics, step, a, 0, lat.volume(), xi.component(a));
    return xi;
}

// Site-wise y = f(x, ...) over every component of every site.
template <class Op>
Field sitewise(const Lattice& lat, int n, Op op) {
    Field y(lat, n);
    for (int a = 0; a < n; ++a)
        for (std::int64_t i = 0; i < lat.volume(); ++i)
            y.component(a)[i] = op(a, i);
    return y;
}

// One noisy step of the scheme's formula with the noise xi given (what the integrator does with
// the ξ of its counter; the formulas as written in euler.cpp, langevin2.cpp and baoab.cpp).
FieldState scheme_step(Method m, const Lattice& lat, const ActionParams& p, const FieldState& s,
                       double eps, double T, const Field& xi) {
    const int n = s.phi.components();
    const Field f = force(lat, p, s.phi);
    const double sigma = std::sqrt(2.0 * T * eps);
    auto at = [](const Field& x, int a, std::int64_t i) { return x.component(a)[i]; };
    if (m == Method::langevin)
        return {sitewise(lat, n,
                         [&](int a, std::int64_t i) {
                             return at(s.phi, a, i) + eps * at(f, a, i) + sigma * at(xi, a, i);
                         }),
                Field(lat, n)};
    if (m == Method::langevin2) {
        const Field tilde = sitewise(lat, n, [&](int a, std::int64_t i) {
            return at(s.phi, a, i) + eps * at(f, a, i) + sigma * at(xi, a, i);
        });
        const Field ft = force(lat, p, tilde);
        return {sitewise(lat, n,
                         [&](int a, std::int64_t i) {
                             return 0.5 * (at(s.phi, a, i) + at(tilde, a, i)) +
                                    0.5 * eps * at(ft, a, i) + 0.5 * sigma * at(xi, a, i);
                         }),
                Field(lat, n)};
    }
    // BAOAB
    const double half = 0.5 * eps, c1 = std::exp(-0.8 * eps);
    const double c2 = std::sqrt(T * (1.0 - c1 * c1));
    Field q = sitewise(lat, n, [&](int a, std::int64_t i) {
        const double b = at(s.p, a, i) + half * at(f, a, i);
        return c1 * b + c2 * at(xi, a, i);
    });
    Field phi = sitewise(lat, n, [&](int a, std::int64_t i) {
        const double b = at(s.p, a, i) + half * at(f, a, i);
        return at(s.phi, a, i) + half * b + half * at(q, a, i);
    });
    const Field f2 = force(lat, p, phi);
    Field p2 =
        sitewise(lat, n, [&](int a, std::int64_t i) { return at(q, a, i) + half * at(f2, a, i); });
    return {std::move(phi), std::move(p2)};
}

FieldState start_state(const Lattice& lat, int n) {
    return {random_field(lat, n, 17, 0.8), random_field(lat, n, 18, 0.5)};
}

FieldState copy(const Lattice& lat, const FieldState& s) {
    FieldState c{Field(lat, s.phi.components()), Field(lat, s.p.components())};
    c.phi.copy_from(s.phi);
    c.p.copy_from(s.p);
    return c;
}

// Five T = 0 steps of `m` from the same start, plainly and with everything transformed by g.
struct Transformed5 {
    FieldState plain;
    Transformed transformed;
    double dt_plain, dt_transformed;
};

Transformed5 advance_both(Method m, const Theory& th, const Matrix& g, int n) {
    const FieldState s0 = start_state(th.lattice, n);
    Transformed t = transform(g, th, s0);
    t.params.source = &t.source;
    FieldState s = copy(th.lattice, s0);
    const double dt = advance(m, th.lattice, th.params, s, 0.02, 0.0, 5);
    const double dt_t = advance(m, th.lattice, t.params, t.state, 0.02, 0.0, 5);
    return {std::move(s), std::move(t), dt, dt_t};
}

} // namespace

TEST_CASE("at T = 0 every integrator commutes with phi -> -phi (h -> -h) bit for bit",
          "[integrators]") {
    for (int n : {1, 3})
        for (CouplingKind kind : {CouplingKind::nearest, CouplingKind::mean})
            for (Method m : all_methods()) {
                // Fourier acceleration has no mean-field axis (refused; test_fourier).
                if (kind == CouplingKind::mean && method_spec(m).fourier) continue;
                INFO(method_name(m)
                     << ", N = " << n << ", mean-field axis " << (kind == CouplingKind::mean));
                const Theory th(n, kind);
                const Matrix flip = minus_one(n);
                const Transformed5 r = advance_both(m, th, flip, n);
                REQUIRE(r.dt_plain == r.dt_transformed);
                REQUIRE(
                    equal_values(r.transformed.state.phi, rotate(flip, r.plain.phi, th.lattice)));
                REQUIRE(equal_values(r.transformed.state.p, rotate(flip, r.plain.p, th.lattice)));
            }
}

TEST_CASE("at T = 0 every integrator commutes with a global O(N) rotation (h and source rotated)",
          "[integrators]") {
    for (int n : {2, 3})
        for (CouplingKind kind : {CouplingKind::nearest, CouplingKind::mean})
            for (Method m : all_methods()) {
                // Fourier acceleration has no mean-field axis (refused; test_fourier).
                if (kind == CouplingKind::mean && method_spec(m).fourier) continue;
                INFO(method_name(m)
                     << ", N = " << n << ", mean-field axis " << (kind == CouplingKind::mean));
                const Theory th(n, kind);
                const Matrix g = rotation(n);
                const Transformed5 r = advance_both(m, th, g, n);
                const FieldState& s = r.plain;
                const FieldState& t = r.transformed.state;
                // flow_adaptive's max-norm error is not rotation invariant: the statement holds
                // while both take the same steps, which the tolerance above ensures.
                REQUIRE(r.dt_plain == r.dt_transformed);
                REQUIRE(r.dt_plain == Approx(5 * 0.02).epsilon(1e-15));
                CHECK(relative_difference(t.phi, rotate(g, s.phi, th.lattice)) < 1e-13);
                CHECK(relative_difference(t.p, rotate(g, s.p, th.lattice)) < 1e-13);
                // ... and the rotation is not a symmetry of the update by accident.
                CHECK(relative_difference(t.phi, s.phi) > 1e-3);
            }
}

TEST_CASE("noisy updates are their scheme in the drawn noise, covariant with the noise "
          "transformed alike",
          "[integrators]") {
    const double eps = 0.02, T = 0.6;
    const std::uint64_t step = 12;
    const std::vector<Method> noisy = {Method::langevin, Method::langevin2, Method::momentum};
    for (const MethodSpec& spec : method_table()) { // a new sampler needs its formula here
        INFO("method " << spec.name << ": add its scheme to scheme_step and to this list");
        // Fourier-accelerated: test_fourier checks the scheme (it needs a lattice without the
        // mean-field axis of this test's theory).
        CHECK((spec.flow || spec.exact || spec.fourier ||
               std::find(noisy.begin(), noisy.end(), spec.method) != noisy.end()));
    }
    for (int n : {1, 3})
        for (Method m : noisy) {
            INFO(method_name(m) << ", N = " << n);
            const Theory th(n, CouplingKind::mean);
            const Lattice& lat = th.lattice;
            const FieldState s0 = start_state(lat, n);
            FieldState s = copy(lat, s0);
            advance(m, lat, th.params, s, eps, T, 1, step);
            const Field xi = noise(lat, n, step);
            // 1. The integrator's update is the scheme's formula in the noise of its counter.
            const FieldState formula = scheme_step(m, lat, th.params, s0, eps, T, xi);
            CHECK(relative_difference(s.phi, formula.phi) < 1e-14);
            if (m == Method::momentum) CHECK(relative_difference(s.p, formula.p) < 1e-14);
            // ... and the noise matters: without it the update is another one.
            FieldState quiet = copy(lat, s0);
            advance(m, lat, th.params, quiet, eps, 0.0, 1, step);
            CHECK(relative_difference(s.phi, quiet.phi) > 1e-3);
            // 2. The formula at (Rφ, Rξ), Rh, R·source is R times the integrator's update, for a
            // rotation and for the flip.
            for (const Matrix& r : {rotation(n), minus_one(n)}) {
                Transformed t = transform(r, th, s0);
                t.params.source = &t.source;
                const FieldState moved =
                    scheme_step(m, lat, t.params, t.state, eps, T, rotate(r, xi, lat));
                CHECK(relative_difference(moved.phi, rotate(r, s.phi, lat)) < 1e-13);
                if (m == Method::momentum)
                    CHECK(relative_difference(moved.p, rotate(r, s.p, lat)) < 1e-13);
            }
        }
}

TEST_CASE("the noise is O(N)-invariant in law: components uncorrelated with unit variance",
          "[integrators]") {
    // A Gaussian vector with identity covariance has a rotation-invariant law: checked on the
    // components the integrators draw at one site (zero mean and Gaussianity: test_rng).
    const int n = 3;
    const std::int64_t sites = 1'000'000;
    std::vector<std::vector<double>> xi(n, std::vector<double>(static_cast<std::size_t>(sites)));
    for (int a = 0; a < n; ++a)
        fill_gaussian({5, 1}, Stream::dynamics, 3, a, 0, sites, xi[a].data());
    const double se = 5.0 / std::sqrt(static_cast<double>(sites));
    for (int a = 0; a < n; ++a)
        for (int b = a; b < n; ++b) {
            double c = 0.0;
            for (std::int64_t i = 0; i < sites; ++i)
                c += xi[a][i] * xi[b][i];
            c /= static_cast<double>(sites);
            INFO("components " << a << ", " << b << ": " << c);
            CHECK(std::abs(c - (a == b ? 1.0 : 0.0)) < (a == b ? std::sqrt(2.0) : 1.0) * se);
        }
}

TEST_CASE("gradient flow never raises the action at small eps (interacting, broken phase)",
          "[integrators]") {
    // From a hot start in the broken phase, with a mean-field axis and a source; langevin and
    // langevin2 at T = 0 are gradient flows too.
    for (int n : {1, 3})
        for (Method m : all_methods()) {
            if (!method_spec(m).flow && m != Method::langevin && m != Method::langevin2) continue;
            INFO(method_name(m) << ", N = " << n);
            const Theory th(n, CouplingKind::mean);
            FieldState s{random_field(th.lattice, n, 40, 1.5), Field(th.lattice, n)};
            double before = action_sum(th.lattice, th.params, s.phi);
            const double start = before;
            auto integrator = make_integrator(dynamics_of(m, 0.02), th.lattice, n);
            int rises = 0;
            for (int k = 0; k < 300; ++k) {
                integrator->advance(
                    s.phi, {th.params, 0.02, 0.0, static_cast<std::uint64_t>(k), {5, 1}, &s.p});
                const double after = action_sum(th.lattice, th.params, s.phi);
                rises += after > before;
                before = after;
            }
            CHECK(rises == 0);
            CHECK(before < start - 1.0); // it really flowed downhill
        }
}

TEST_CASE("convergence order on an interacting theory: Euler flow 1, RK3 flow 3", "[integrators]") {
    // Flow to t = 0.64 from a start in the broken phase with ε, ε/2, ε/4; the reference is RK3
    // at 1/64 of its largest ε (its error ~ 1e-3 of the smallest one compared).
    const Theory th(2, CouplingKind::mean);
    const Lattice& lat = th.lattice;
    const FieldState s0{random_field(lat, 2, 50, 0.6), Field(lat, 2)};
    const double t = 0.64;
    auto flow_to = [&](Method m, double eps) {
        FieldState s = copy(lat, s0);
        const int steps = static_cast<int>(std::lround(t / eps));
        const double dt = advance(m, lat, th.params, s, eps, 0.0, steps);
        REQUIRE(dt == Approx(t).epsilon(1e-12));
        return std::move(s.phi);
    };
    const Field reference = flow_to(Method::flow_rk3, 0.04 / 64);
    for (auto [m, order, eps] : {std::tuple{Method::flow, 1, 0.04}, {Method::flow_rk3, 3, 0.04}}) {
        const double e1 = relative_difference(flow_to(m, eps), reference);
        const double e2 = relative_difference(flow_to(m, eps / 2), reference);
        const double e3 = relative_difference(flow_to(m, eps / 4), reference);
        INFO(method_name(m) << ": errors " << e1 << " " << e2 << " " << e3);
        const double expected = std::pow(2.0, order);
        CHECK(e1 / e2 == Approx(expected).epsilon(0.15));
        CHECK(e2 / e3 == Approx(expected).epsilon(0.08));
        CHECK(e3 > 1e-9); // far above rounding: the ratios measure the scheme
    }
}
