// The Laplacian's transform and the Fourier mass (include/ssbsim/physics/fourier.hpp).
#include "ssbsim/physics/fourier.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/measure/autocorrelation.hpp" // fftw_planner_lock

#include <algorithm>
#include <cmath>
#include <fftw3.h>
#include <mutex>
#include <new>
#include <numbers>
#include <stdexcept>
#include <string>

namespace ssbsim {

namespace {

struct FftwFree {
    void operator()(void* p) const noexcept { fftw_free(p); }
};
using FftwBuffer = std::unique_ptr<double[], FftwFree>;

// fftw_malloc's SIMD alignment: the alignment every plan is made for and every line runs in.
FftwBuffer fftw_buffer(std::int64_t n) {
    auto* p = static_cast<double*>(fftw_malloc(sizeof(double) * static_cast<std::size_t>(n)));
    if (p == nullptr) throw std::bad_alloc();
    return FftwBuffer(p);
}

// The eigenvalue of mode k of the one-axis Laplacian (unit coupling).
double axis_eigenvalue(std::int64_t k, std::int64_t length, bool periodic) {
    const double s = std::sin(std::numbers::pi * static_cast<double>(k) /
                              static_cast<double>(periodic ? length : 2 * length));
    return 4.0 * s * s;
}

} // namespace

// One in-place plan per axis and direction (a periodic axis' DHT is its own transpose: one plan
// serves both).
struct LaplacianTransform::Plans {
    std::vector<fftw_plan> forward, backward;

    ~Plans() {
        const std::lock_guard<std::mutex> lock(fftw_planner_lock());
        for (std::size_t mu = 0; mu < forward.size(); ++mu) {
            if (backward[mu] != forward[mu] && backward[mu] != nullptr)
                fftw_destroy_plan(backward[mu]);
            if (forward[mu] != nullptr) fftw_destroy_plan(forward[mu]);
        }
    }
};

LaplacianTransform::LaplacianTransform(const Domain& domain)
    : lattice_(domain.whole()), stride_(static_cast<std::size_t>(domain.whole().dims())),
      plans_(std::make_unique<Plans>()) {
    if (domain.split())
        throw InputError("Fourier acceleration (dynamics.method = fa_hmc, fa_langevin) is not yet "
                         "available split over " +
                         std::to_string(domain.comm().size()) +
                         " MPI ranks (its transform of axis 0 needs a transpose between the "
                         "ranks); run it on one rank");
    const int d = lattice_.dims();
    std::int64_t stride = 1;
    for (int mu = d - 1; mu >= 0; --mu) {
        stride_[static_cast<std::size_t>(mu)] = stride;
        stride *= lattice_.extent(mu);
    }
    plans_->forward.assign(static_cast<std::size_t>(d), nullptr);
    plans_->backward.assign(static_cast<std::size_t>(d), nullptr);
    const std::lock_guard<std::mutex> lock(fftw_planner_lock());
    for (int mu = 0; mu < d; ++mu) {
        const std::int64_t n = lattice_.extent(mu);
        const auto i = static_cast<std::size_t>(mu);
        // Planned on a buffer of the alignment the lines will have (FFTW_ESTIMATE leaves it
        // untouched).
        const FftwBuffer probe = fftw_buffer(n);
        const int len = static_cast<int>(n);
        if (lattice_.periodic(mu)) {
            plans_->forward[i] =
                fftw_plan_r2r_1d(len, probe.get(), probe.get(), FFTW_DHT, FFTW_ESTIMATE);
            plans_->backward[i] = plans_->forward[i];
            norm_ *= static_cast<double>(n);
        } else {
            plans_->forward[i] =
                fftw_plan_r2r_1d(len, probe.get(), probe.get(), FFTW_REDFT10, FFTW_ESTIMATE);
            plans_->backward[i] =
                fftw_plan_r2r_1d(len, probe.get(), probe.get(), FFTW_REDFT01, FFTW_ESTIMATE);
            norm_ *= 2.0 * static_cast<double>(n);
        }
        if (plans_->forward[i] == nullptr || plans_->backward[i] == nullptr)
            throw std::runtime_error("FFTW could not plan a transform of length " +
                                     std::to_string(n));
    }
}

LaplacianTransform::~LaplacianTransform() = default;

// The lines of axis mu: line j starts at (j / stride) L stride + j mod stride, its sites stride
// apart. Consecutive lines are neighbours in memory, so a thread's block of lines reuses the
// cache lines of the one before.
void LaplacianTransform::run_axis(double* plane, int mu, bool forward) const {
    const auto i = static_cast<std::size_t>(mu);
    const std::int64_t n = lattice_.extent(mu), stride = stride_[i];
    const std::int64_t lines = lattice_.volume() / n;
    fftw_plan plan = forward ? plans_->forward[i] : plans_->backward[i];
    for_each_row_with(
        lines, n, [&] { return fftw_buffer(n); },
        [&](std::int64_t j, FftwBuffer& buffer) {
            double* __restrict b = buffer.get();
            double* x = plane + (j / stride) * n * stride + j % stride;
            for (std::int64_t t = 0; t < n; ++t)
                b[t] = x[t * stride];
            fftw_execute_r2r(plan, b, b);
            for (std::int64_t t = 0; t < n; ++t)
                x[t * stride] = b[t];
        });
}

void LaplacianTransform::forward(double* plane) const {
    for (int mu = 0; mu < lattice_.dims(); ++mu)
        run_axis(plane, mu, true);
}

void LaplacianTransform::backward(double* plane) const {
    for (int mu = lattice_.dims() - 1; mu >= 0; --mu)
        run_axis(plane, mu, false);
}

void LaplacianTransform::apply(double* plane, std::span<const double> d) const {
    if (static_cast<std::int64_t>(d.size()) != lattice_.volume())
        throw std::logic_error("LaplacianTransform::apply: one weight per mode expected");
    forward(plane);
    const double inv_norm = 1.0 / norm_;
    const std::int64_t len = lattice_.row_length();
    for_each_row(lattice_.rows(), len, [&](std::int64_t row) {
        double* __restrict x = plane + row * len;
        const double* __restrict w = d.data() + row * len;
        for (std::int64_t t = 0; t < len; ++t)
            x[t] *= w[t] * inv_norm;
    });
    backward(plane);
}

void LaplacianTransform::apply(Field& f, std::span<const double> d) const {
    for (int a = 0; a < f.components(); ++a)
        apply(f.component(a), d);
}

std::vector<double> LaplacianTransform::momentum_squared(const ActionParams& action) const {
    const int d = lattice_.dims();
    for (int mu = 0; mu < d; ++mu)
        if (action.kind[static_cast<std::size_t>(mu)] == CouplingKind::mean)
            throw InputError(
                "Fourier acceleration (dynamics.method = fa_hmc, fa_langevin) diagonalises the "
                "nearest-neighbour Laplacian, and axis " +
                std::to_string(mu + 1) +
                " is mean-field (action.coupling_kind = mean, or a [network] neuron axis); use "
                "hmc or langevin there");
    for (int mu = 0; mu < d; ++mu)
        if (!(action.coupling[static_cast<std::size_t>(mu)] >= 0.0))
            throw InputError("Fourier acceleration needs couplings J >= 0 (a positive "
                             "Laplacian); axis " +
                             std::to_string(mu + 1) + " has J = " +
                             std::to_string(action.coupling[static_cast<std::size_t>(mu)]));
    std::vector<double> p2(static_cast<std::size_t>(lattice_.volume()), 0.0);
    for (std::int64_t k = 0; k < lattice_.volume(); ++k) {
        const auto x = lattice_.coordinates(k);
        double sum = 0.0;
        for (int mu = 0; mu < d; ++mu)
            sum += action.coupling[static_cast<std::size_t>(mu)] *
                   axis_eigenvalue(x[static_cast<std::size_t>(mu)], lattice_.extent(mu),
                                   lattice_.periodic(mu));
        p2[static_cast<std::size_t>(k)] = sum;
    }
    return p2;
}

FourierMass::FourierMass(const Domain& domain, double mu) : transform_(domain), mu2_(mu * mu) {
    if (!(mu > 0.0) || !std::isfinite(mu))
        throw InputError("dynamics.fourier_mass must be a finite mu > 0 (got " +
                         std::to_string(mu) + ")");
}

void FourierMass::prepare(const ActionParams& action) {
    if (prepared_ && action.coupling == coupling_ && action.kind == kind_) return;
    const std::vector<double> p2 = transform_.momentum_squared(action);
    const double top = *std::max_element(p2.begin(), p2.end()) + mu2_;
    mass_.resize(p2.size());
    for (auto& w : weights_)
        w.resize(p2.size());
    for (std::size_t k = 0; k < p2.size(); ++k) {
        const double m = (p2[k] + mu2_) / top;
        mass_[k] = m;
        weights_[inverse][k] = 1.0 / m;
        weights_[inverse_sqrt][k] = 1.0 / std::sqrt(m);
        weights_[sqrt][k] = std::sqrt(m);
    }
    coupling_ = action.coupling;
    kind_ = action.kind;
    prepared_ = true;
}

} // namespace ssbsim
