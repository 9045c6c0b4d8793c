// The method registry (include/ssbsim/dynamics/methods.hpp): one row per dynamics.method.
#include "ssbsim/dynamics/methods.hpp"

#include "dynamics_impl.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace ssbsim {

namespace {

// Bytes per site-update and component (see MethodSpec::bytes_per_site):
//   langevin, flow: read φ, write φ'                                             16
//   langevin2:      read φ, write φ̃; read φ̃ and φ, write φ                       40
//   flow_rk3:       read W0, write W1; read W1, W0, write W2; read W2, W1, write W3  64
//   flow_adaptive:  read W0, write q, W1, err; 2 × (read W, q, err, write q, W, err);
//                   read err for the maximum                                     136 per attempt
//   momentum:       read φ, p, F, write φ', p; read φ', p, write p, F             72
//                   (first-same-as-last: the closing force is kept for the next step)
//   hmc (a trajectory of one MD step, as benched): write p; read φ, write φ_old; S, K (read φ,
//                   p); kick, drift, kick (read φ, p, write p or φ, thrice); S, K again     128
//   mala:           write F; read φ, F, write y; write F(y); S(y), S(φ); read φ, y, F, F(y) 104
// The Fourier methods count each pass of a 1D transform over an axis as read + write of the
// plane (16; a d-dimensional transform 16 d) and are given for d = 2 (each further axis adds
// 48 to fa_langevin, 96 to fa_hmc):
//   fa_langevin:    read φ, write εF, √(2Tε)ξ; forward both, back one (3 × 16 d);
//                   read both, write the sum; read φ and it, write φ               72 + 48 d = 168
//   fa_hmc (one MD step, as benched): hmc's 128, plus M^{1/2}, and M⁻¹ for K twice and for
//                   the drift once (4 × (16 d + 16) + 4 copies of p × 16 + 2 dot products × 16)
//                   = 128 + 64 d + 160                                              = 416
constexpr MethodSpec table[] = {
    {.method = Method::langevin,
     .name = "langevin",
     .summary = "Euler-Maruyama",
     .bytes_per_site = 16,
     .noise_draws = 1,
     .make = [](const DynamicsConfig&, const Domain& domain,
                int components) { return detail::make_euler(domain, components, true); }},
    {.method = Method::langevin2,
     .name = "langevin2",
     .summary = "second order",
     .bytes_per_site = 40,
     .noise_draws = 2,
     .make = [](const DynamicsConfig&, const Domain& domain,
                int components) { return detail::make_langevin2(domain, components); }},
    {.method = Method::flow,
     .name = "flow",
     .summary = "gradient flow, Euler",
     .flow = true,
     .bytes_per_site = 16,
     .make = [](const DynamicsConfig&, const Domain& domain,
                int components) { return detail::make_euler(domain, components, false); }},
    {.method = Method::flow_rk3,
     .name = "flow_rk3",
     .summary = "third order",
     .flow = true,
     .bytes_per_site = 64,
     .make = [](const DynamicsConfig&, const Domain& domain,
                int components) { return detail::make_flow_rk3(domain, components); }},
    {.method = Method::flow_adaptive,
     .name = "flow_adaptive",
     .summary = "adaptive step size",
     .flow = true,
     .adaptive_step = true,
     .stability_factor = 0,
     .scratch_fields = 4,
     .bytes_per_site = 136,
     .make =
         [](const DynamicsConfig& d, const Domain& domain, int components) {
             return detail::make_flow_adaptive(domain, components, d.tolerance);
         }},
    {.method = Method::momentum,
     .name = "momentum",
     .summary = "underdamped Langevin by BAOAB, heavy-ball SGD",
     .momentum = true,
     .scratch_fields = 1,
     .bytes_per_site = 72,
     .noise_draws = 1,
     .make = [](const DynamicsConfig& d, const Domain& domain,
                int components) { return detail::make_baoab(domain, components, d.friction); }},
    {.method = Method::hmc,
     .name = "hmc",
     .summary = "hybrid Monte Carlo, exact e^{-S/T} at any step: one step = one trajectory of "
                "dynamics.hmc_steps molecular-dynamics steps",
     .exact = true,
     // Leapfrog's bound is 2/sqrt(4 sum J + m^2), not of the Euler form: no warning.
     .stability_factor = 0,
     .scratch_fields = 2,
     .bytes_per_site = 128,
     .noise_draws = 1,
     .make = [](const DynamicsConfig& d, const Domain& domain,
                int components) { return detail::make_hmc(domain, components, d); }},
    {.method = Method::mala,
     .name = "mala",
     .summary = "Metropolis-adjusted Langevin, the langevin step with an exact accept/reject",
     .exact = true,
     // Beyond langevin's bound every proposal diverges and is rejected: warn as for langevin.
     .stability_factor = 1,
     .scratch_fields = 3,
     .bytes_per_site = 104,
     .noise_draws = 1,
     .make = [](const DynamicsConfig&, const Domain& domain,
                int components) { return detail::make_mala(domain, components); }},
    {.method = Method::fa_hmc,
     .name = "fa_hmc",
     .summary = "Fourier-accelerated hmc: kinetic term sum_k |pi_k|^2 / (2 M_k), M_k = (p^2 + "
                "mu^2) / (p^2_max + mu^2), mu = dynamics.fourier_mass",
     .exact = true,
     .fourier = true,
     .stability_factor = 0, // as hmc; with M its leapfrog bound is 2/sqrt(p^2_max + m^2) or so
     .scratch_fields = 7,
     .bytes_per_site = 416,
     .noise_draws = 1,
     .make = [](const DynamicsConfig& d, const Domain& domain,
                int components) { return detail::make_fa_hmc(domain, components, d); }},
    {.method = Method::fa_langevin,
     .name = "fa_langevin",
     .summary = "Fourier-accelerated langevin, step eps / M_k for mode k (Batrouni et al.): "
                "preconditioned SGD",
     .fourier = true,
     // The highest mode takes the step ε itself: langevin's bound applies to it.
     .stability_factor = 1,
     .scratch_fields = 6,
     .bytes_per_site = 168,
     .noise_draws = 1,
     .make =
         [](const DynamicsConfig& d, const Domain& domain, int components) {
             return detail::make_fa_langevin(domain, components, d.fourier_mass);
         }},
};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < std::size(table); ++i)
        if (static_cast<std::size_t>(table[i].method) != i) return false;
    return true;
}
static_assert(in_enum_order(), "method rows must follow the order of enum Method");

constexpr auto names = [] {
    std::array<std::string_view, std::size(table)> out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = table[i].name;
    return out;
}();

} // namespace

std::span<const MethodSpec> method_table() {
    return table;
}

const MethodSpec& method_spec(Method method) {
    const auto i = static_cast<std::size_t>(method);
    if (i >= std::size(table)) throw std::logic_error("method without a registry row");
    return table[i];
}

const MethodSpec* find_method(std::string_view name) {
    const auto it = std::find_if(std::begin(table), std::end(table),
                                 [&](const MethodSpec& m) { return m.name == name; });
    return it == std::end(table) ? nullptr : &*it;
}

std::span<const std::string_view> method_names() {
    return names;
}

std::string_view methods_description() {
    static const std::string text = [] {
        std::string out;
        for (const MethodSpec& m : table)
            out += (out.empty() ? "" : ", ") + std::string(m.name) + " (" + std::string(m.summary) +
                   ")";
        return out + ".";
    }();
    return text;
}

} // namespace ssbsim
