#include "ssbsim/analysis/bias.hpp"

#include "ssbsim/dynamics/methods.hpp"

#include <cmath>
#include <sstream>

namespace ssbsim::analysis {

namespace {

// The order of the bias in the step and what to do about it, by method.
std::string remedy(const SamplerSettings& s) {
    const std::string smaller = "a smaller dynamics.step (now " + [&] {
        std::ostringstream o;
        o << s.step;
        return o.str();
    }() + ")";
    const std::string exact =
        "an exact sampler (Metropolis or HMC accept/reject) for reference values";
    if (s.method == "langevin")
        return "Euler-Maruyama's bias is O(step): use " + smaller +
               " (halving it halves the deviation), method = langevin2 (O(step^2)) or method = "
               "momentum, or " +
               exact;
    if (s.method == "langevin2")
        return "the bias of langevin2 is O(step^2) and grows with the stiffness of the action "
               "(the largest force constant): use " +
               smaller + " (halving it quarters the deviation), method = momentum, or " + exact;
    if (s.method == "fa_langevin")
        return "Fourier-accelerated Euler-Maruyama is biased at O(step) in every mode, most in "
               "the long-wavelength ones that take the largest steps: use " +
               smaller + ", or method = fa_hmc (the same acceleration, exact)";
    if (s.method == "momentum")
        return "BAOAB samples Gaussian modes exactly but interacting ones with an O(step^2) "
               "bias: use " +
               smaller + ", or " + exact;
    return "use " + smaller + ", method = momentum, or " + exact;
}

std::string format(double v, int digits) {
    std::ostringstream o;
    o.precision(digits);
    o << v;
    return o.str();
}

} // namespace

std::optional<std::string> schwinger_dyson_bias(double mean, double error,
                                                const SamplerSettings& settings) {
    if (!settings.equilibrium || !std::isfinite(mean) || !std::isfinite(error) || error < 0.0)
        return std::nullopt;
    const double deviation = std::abs(mean - 1.0);
    if (deviation <= schwinger_dyson_tolerance || deviation <= schwinger_dyson_sigmas * error)
        return std::nullopt;
    const std::string sigmas = error > 0.0 ? format(deviation / error, 3) + " sigma" : "exactly";
    const MethodSpec* spec = find_method(settings.method);
    if (spec && spec->exact)
        return "not in equilibrium: the Schwinger-Dyson mean " + format(mean, 5) + " +- " +
               format(error, 2) + " differs from 1 by " + sigmas +
               ". dynamics.method = " + settings.method +
               " has no step-size bias (a Metropolis test makes e^(-S/T) exact), so the "
               "analysed samples have not reached equilibrium or the chain is stuck (see its "
               "acceptance rate, /observables/accepted): run longer, cut more (--skip), or lower "
               "dynamics.step";
    return "step-size bias: the Schwinger-Dyson mean " + format(mean, 5) + " +- " +
           format(error, 2) + " differs from 1 (its value in equilibrium) by " + sigmas +
           " and by more than the tolerance " + format(schwinger_dyson_tolerance, 2) +
           ": dynamics.method = " + settings.method +
           " does not sample e^(-S/T), and every average of this run (U, chi, <S/V>, ...) "
           "carries the bias. Remedy: " +
           remedy(settings) + " (docs/analysis.md, \"Step-size bias\")";
}

} // namespace ssbsim::analysis
