// The real transform that diagonalises the lattice Laplacian of the action, and the Fourier
// mass of Fourier acceleration (methods fa_hmc and fa_langevin). Tested by test_fourier.
//
// LaplacianTransform T acts on one component plane (V doubles, sites row-major) axis by axis,
// as 1D FFTW r2r transforms: a periodic axis by the discrete Hartley transform (FFTW_DHT,
// H_kn = cas(2 pi k n / L), H H = L), an open axis by DCT-II forward and DCT-III backward
// (REDFT10/REDFT01, product 2L). Each basis function prod_mu b_k(n_mu) is an eigenvector of the
// Laplacian of the action's links, S_links = sum_x sum_mu J_mu/2 |phi_{x+mu} - phi_x|^2
// (physics/action.hpp), with eigenvalue
//   p^2(k) = sum_mu J_mu 4 sin^2(pi k_mu / L_mu)         (periodic axis)
//                   J_mu 4 sin^2(pi k_mu / (2 L_mu))      (open axis: no link across the ends)
// (modes numbered like sites). backward(forward(x)) = N x, N = prod (L_mu periodic, 2 L_mu
// open). On a periodic lattice backward = forward^T and T / sqrt(V) is orthogonal; an open axis'
// basis is orthogonal with norms 2L (k = 0) and L (DCT-III = DCT-II^T with its k = 0 column
// halved). apply(x, d) = T^-1 D T x is the operator with eigenvalue d_k on mode k (symmetric,
// the eigenvectors being orthogonal): the matrix
// function d(p^2) of the Laplacian. A mean-field axis (action.coupling_kind = mean) has no such
// Laplacian: refused with InputError.
//
// Bits: no FFTW threads. One serial plan per axis and direction (FFTW_ESTIMATE, so the plan is
// a function of the length alone), made once under the program's FFTW planner lock. The lines of
// an axis are spread over the OpenMP threads (core/parallel.hpp); each line is copied into a
// per-thread fftw_malloc'd buffer (the alignment the plan was made for, so the same codelets run
// for every line and thread count) and transformed with fftw_execute_r2r: every line's result,
// hence the whole transform, has the same bits for any number of threads.
//
// Split lattices (physics/domain.hpp: slabs of whole slices of axis 0): not yet; the constructor
// refuses a split domain. The plan: the axes 1..d-1 lie whole in each slab and transform as
// here, per rank. Axis 0 needs a transpose: MPI_Alltoall(v) regroups the slab [own slices of
// axis 0] x [all of axes 1..] into [all of axis 0] x [a block of the rows of axes 1..] (the
// blocks by the same rule as the slabs), the lines of axis 0 transform locally, and a second
// Alltoall returns the slabs. The diagonal D multiplies in the transposed layout (mode numbers
// from the global row index), so apply costs two Alltoalls, forward and backward one each. Each
// line is still one serial 1D transform, so the bits stay those of one process. (FFTW's MPI
// interface, libfftw3-mpi-dev, does the same transposes but plans its own 1D sizes.)
#pragma once

#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <array>
#include <memory>
#include <span>
#include <vector>

namespace ssbsim {

class LaplacianTransform {
  public:
    // Throws InputError for a domain split over MPI ranks (see the plan above).
    explicit LaplacianTransform(const Domain& domain);
    ~LaplacianTransform();
    LaplacianTransform(const LaplacianTransform&) = delete;
    LaplacianTransform& operator=(const LaplacianTransform&) = delete;

    const Lattice& lattice() const { return lattice_; }
    double norm() const { return norm_; } // N: backward(forward(x)) = N x

    // In place on one component plane of V doubles.
    void forward(double* plane) const;
    void backward(double* plane) const;
    // plane <- T^-1 diag(d) T plane = backward(d forward(plane)) / N, d indexed by mode.
    void apply(double* plane, std::span<const double> d) const;
    void apply(Field& f, std::span<const double> d) const; // every component

    // p^2(k) of every mode for the couplings of `action`; InputError for a mean-field axis.
    std::vector<double> momentum_squared(const ActionParams& action) const;

  private:
    struct Plans;
    void run_axis(double* plane, int mu, bool forward) const;
    Lattice lattice_;
    std::vector<std::int64_t> stride_; // site stride of each axis
    std::unique_ptr<Plans> plans_;
    double norm_ = 1.0;
};

// Fourier acceleration (Batrouni et al., PRD 32, 2736 (1985); Davies et al., PRD 37, 1581
// (1988)): the mass of mode k, M_k = (p^2(k) + mu^2) / (p^2_max + mu^2), so that M <= 1 with the
// highest mode at 1, and the powers of M the methods apply. On the free field at m^2 = mu^2
// every mode then moves at the rate of the highest one. The masses follow the couplings J_mu
// of the action in force (recomputed when they change).
class FourierMass {
  public:
    enum Power { inverse, inverse_sqrt, sqrt }; // M^-1, M^-1/2, M^1/2
    // mu > 0 (dynamics.fourier_mass).
    FourierMass(const Domain& domain, double mu);

    // Makes the weights those of the couplings of `action` (InputError for a mean-field axis).
    void prepare(const ActionParams& action);
    // M_k^power for every mode: transform().apply(plane, weights(power)) is M^power.
    std::span<const double> weights(Power power) const { return weights_[power]; }
    // f <- M^power f, every component.
    void apply(Field& f, Power power) const { transform_.apply(f, weights_[power]); }
    const std::vector<double>& mass() const { return mass_; }
    const LaplacianTransform& transform() const { return transform_; }

  private:
    LaplacianTransform transform_;
    double mu2_;
    bool prepared_ = false;
    std::array<double, max_dims> coupling_{};
    std::array<CouplingKind, max_dims> kind_{};
    std::vector<double> mass_;
    std::array<std::vector<double>, 3> weights_;
};

} // namespace ssbsim
