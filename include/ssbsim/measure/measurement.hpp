// Everything measured at one step, as the measurement layer hands it to the writer: the record
// of observables of every replica, the replica metrics and the per-layer observables. The
// physics (Simulation::measure_all) fills it and io/output.hpp writes it; neither sees the
// other. Tested through Simulation::measure_all by tests/test_replicas.cpp and
// tests/test_measure.cpp.
#pragma once

#include "ssbsim/measure/layers.hpp"
#include "ssbsim/measure/replicas.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace ssbsim {

// Everything measured at one step: the observables of every replica, their overlap, and the
// per-layer observables of a network geometry.
struct Measurement {
    std::int64_t step = 0;
    double time = 0.0;
    std::vector<std::vector<double>> records; // per replica, observable_specs() order
    ReplicaMetrics replicas;                  // written when run.replicas > 1
    std::optional<LayerObservables> layers;   // written with [network]
};

} // namespace ssbsim
