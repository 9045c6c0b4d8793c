// The step-size bias check: in the equilibrium ensemble e^{-S/T} the Schwinger-Dyson estimator
// (N V T)^-1 sum_x phi_x . dS/dphi_x has mean exactly 1, so a mean that differs from 1 by more
// than 3 sigma and by more than a tolerance is the sampler's discretisation bias, which every
// average of the run carries. `ssbsim analyze` and the run's end-of-run summary report it.
// Tested by tests/test_analyze.cpp.
#pragma once

#include <optional>
#include <string>

namespace ssbsim::analysis {

// |<SD> - 1| must exceed both this (a relative bias of 1 %: below it the shift of other averages
// is usually under their statistical error) and schwinger_dyson_sigmas errors to be flagged.
inline constexpr double schwinger_dyson_tolerance = 0.01;
inline constexpr double schwinger_dyson_sigmas = 3.0;

// What the check needs to know about the samples besides the mean and its error.
struct SamplerSettings {
    std::string method;       // dynamics.method
    double step = 0.0;        // dynamics.step (constant over the samples)
    bool equilibrium = false; // T > 0 and constant, step constant: an ensemble to check
};

// The message naming the bias and its remedy, or nothing when <SD> is consistent with 1, the
// samples are no equilibrium ensemble (T = 0, a schedule), or the error is not finite.
std::optional<std::string> schwinger_dyson_bias(double mean, double error,
                                                const SamplerSettings& settings);

} // namespace ssbsim::analysis
