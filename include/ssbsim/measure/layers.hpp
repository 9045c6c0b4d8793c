// Per-layer observables of a network geometry (axis 0 = layer, axis 1 = neuron, optional axis 2
// = input; see [network]): did the layer break its neuron-permutation symmetry, and when?
//   M_l      mean weight of layer l (per component), and |M_l|;
//   D_l      neuron diversity: the variance across the neurons of l at fixed input, averaged,
//            V_l⁻¹ Σ_{i,k} |φ_{l,i,k} − φ̄_{l,·,k}|². Computed from differences to neuron 0, so it
//            is exactly 0 whenever all neurons of the layer are identical;
//   G_l      gradient variance: the variance over the layer's sites of ∂S/∂φ (Fok et al. relate
//            its growth near the transition to "gradient variance explosion").
// Each layer is summed sequentially in site order: the bits do not depend on the threads. A
// layer is a slice of axis 0, so split over MPI ranks (domain.hpp) each lies on one rank.
// Tested by test_layers.
#pragma once

#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <vector>

namespace ssbsim {

struct LayerObservables {
    std::vector<double> magnetization;     // [layer][component]
    std::vector<double> abs_magnetization; // [layer]
    std::vector<double> diversity;         // [layer]
    std::vector<double> grad_variance;     // [layer]
};

// phi: this rank's part (a Lattice is a Domain holding all of it); every rank gets every layer.
LayerObservables layer_observables(const Domain& domain, const Field& phi,
                                   const ActionParams& params);

} // namespace ssbsim
