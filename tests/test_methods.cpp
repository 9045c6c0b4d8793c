// Tests of include/ssbsim/dynamics/methods.hpp: the method registry is complete and in the order
// of enum Method, every column says what the code does (flow: the temperature has no effect;
// momentum: Simulation keeps momenta; adaptive_step: the step size is the method's own), and
// the deck and bench read it (allowed values, the key's description, --methods).
#include "ssbsim/app/bench.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/methods.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace ssbsim;
using namespace ssbsim::test;

TEST_CASE("the registry has one row per Method, in enum order, with unique names", "[methods]") {
    const auto table = method_table();
    REQUIRE(table.size() == 10);
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < table.size(); ++i) {
        const MethodSpec& m = table[i];
        INFO(m.name);
        REQUIRE(static_cast<std::size_t>(m.method) == i);
        REQUIRE(&method_spec(m.method) == &m);
        REQUIRE(find_method(m.name) == &m);
        REQUIRE(names.insert(m.name).second);
        REQUIRE(method_names()[i] == m.name);
        REQUIRE(m.make != nullptr);
        REQUIRE(m.bytes_per_site > 0);
        REQUIRE_FALSE(m.summary.empty());
        REQUIRE((m.flow ? m.noise_draws == 0 : m.noise_draws > 0)); // a flow draws no noise
    }
    REQUIRE(find_method("metropolis") == nullptr);
    REQUIRE(method_spec(Method::hmc).exact);
    REQUIRE(method_spec(Method::mala).exact);
    REQUIRE(method_spec(Method::fa_hmc).exact);
    REQUIRE(method_spec(Method::fa_hmc).fourier);
    REQUIRE(method_spec(Method::fa_langevin).fourier);
    REQUIRE_FALSE(method_spec(Method::fa_langevin).exact);
    REQUIRE_FALSE(method_spec(Method::hmc).fourier);
    REQUIRE(method_spec(Method::momentum).momentum);
    REQUIRE(method_spec(Method::flow_adaptive).adaptive_step);
    REQUIRE(method_spec(Method::flow_adaptive).stability_factor == 0);
}

TEST_CASE("the deck's dynamics.method is the registry's: values and description", "[methods]") {
    const KeySpec* key = find_key("dynamics.method");
    REQUIRE(key != nullptr);
    REQUIRE(key->choices.size() == method_table().size());
    for (const MethodSpec& m : method_table()) {
        INFO(m.name);
        REQUIRE(key->choices[static_cast<std::size_t>(m.method)] == m.name);
        REQUIRE_THAT(std::string(key->description),
                     Catch::Contains(std::string(m.name) + " (" + std::string(m.summary) + ")"));
        const Config c = load_deck_text(
            "[lattice]\ndims = 4\n[dynamics]\nmethod = " + std::string(m.name) + "\n", {}, "t.ini");
        REQUIRE(c.dynamics.method == m.method);
        // A flow refuses a temperature; a noisy method takes it.
        const auto with_t = [&] {
            return load_deck_text("[lattice]\ndims = 4\n[dynamics]\ntemperature = 0.5\nmethod = " +
                                      std::string(m.name) + "\n",
                                  {}, "t.ini");
        };
        if (m.flow)
            REQUIRE_THROWS_AS(with_t(), InputError);
        else
            REQUIRE(with_t().dynamics.temperature == 0.5);
    }
    REQUIRE(every_method().size() == method_table().size());
    REQUIRE(parse_methods("momentum,flow") == std::vector<Method>{Method::momentum, Method::flow});
    REQUIRE_THROWS_WITH(parse_methods("metropolis"),
                        Catch::Contains("(langevin, langevin2, flow, flow_rk3, flow_adaptive, "
                                        "momentum, hmc, mala, fa_hmc, fa_langevin)"));
}

TEST_CASE("each row's columns describe what its integrator does", "[methods]") {
    for (const MethodSpec& m : method_table()) {
        INFO(m.name);
        // flow: the temperature has no effect on a step.
        auto step_at = [&](double temperature) {
            Config c = free_config({8, 8}, 0.5, m.method, 0.05);
            c.dynamics.temperature = temperature;
            Simulation sim(c, cold_field(c, 0.3));
            REQUIRE(sim.state().momentum.size() == (m.momentum ? 1u : 0u));
            for (int i = 0; i < 3; ++i)
                sim.advance();
            return std::vector<double>(sim.state().phi[0].component(0),
                                       sim.state().phi[0].component(0) + 64);
        };
        // (An exact sampler refuses T = 0: compared at two positive temperatures.)
        REQUIRE((step_at(m.exact ? 0.2 : 0.0) == step_at(1.0)) == m.flow);
        // adaptive_step: the step size actually taken is the method's own choice.
        Config c = free_config({8, 8}, 0.5, m.method, 0.05);
        Simulation sim(c, cold_field(c, 0.3));
        sim.advance();
        REQUIRE((sim.state().next_eps != 0.05) == m.adaptive_step);
    }
}
