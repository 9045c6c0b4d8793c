// The exact samplers against exact results: HMC (leapfrog and Omelyan) and MALA on the Gaussian
// free field at a step where Langevin is visibly biased, Creutz's identity ⟨e^{−ΔH}⟩ = 1, the
// reversibility of the molecular dynamics to rounding, the bitwise invariants (thread count,
// resume from State and through the program's checkpoints) and the deck's refusals.
#include "cli.hpp"
#include "same_output.hpp"
#include "samplers.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/hmc.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <omp.h>

using namespace ssbsim;
using namespace ssbsim::test;

namespace {

Config hmc_config(MdIntegrator integrator, double eps, int steps) {
    Config c = free_config({8, 8}, 1.0, Method::hmc, eps);
    c.dynamics.hmc_integrator = integrator;
    c.dynamics.hmc_steps = steps;
    return c;
}

double em_variance(double k, double eps) {
    return 1.0 / (k * (1.0 - 0.5 * eps * k));
}

} // namespace

TEST_CASE("HMC samples the exact free field at a step where Langevin is biased", "[samplers]") {
    const double exact = 0.2541739977; // 8², m² = 1, T = 1
    // Euler–Maruyama at ε = 0.1 gives 0.3220757335: far outside the errors below.
    const double em = mode_average(8, 2, 1.0, [](double k) { return em_variance(k, 0.1); });
    struct Case {
        MdIntegrator integrator;
        double eps;
        int steps;
        double jitter;
    };
    // The trajectory lengths of the first two keep every mode's rotation angle inside (0, π)
    // with cos² <= 0.6 (no resonance). The third is resonant without jitter (a mode near
    // ω τ = π flips sign and keeps its cold-start amplitude: φ² came out 0.234(3)); the jitter
    // of the step breaks it.
    for (const Case& k :
         {Case{MdIntegrator::leapfrog, 0.25, 3, 0.0}, Case{MdIntegrator::omelyan, 0.7, 1, 0.0},
          Case{MdIntegrator::leapfrog, 0.45, 3, 0.3}}) {
        Config c = hmc_config(k.integrator, k.eps, k.steps);
        c.dynamics.hmc_jitter = k.jitter;
        const Chain r = run_chain(c, 200, 8000);
        INFO("integrator " << static_cast<int>(k.integrator) << " eps " << k.eps << " jitter "
                           << k.jitter << ": phi2 " << r.phi2.mean << " +- " << r.phi2.error
                           << ", acceptance " << r.accepted.mean << ", <exp(-dH)> " << r.creutz.mean
                           << " +- " << r.creutz.error);
        CHECK(std::abs(r.phi2.mean - exact) < 4.0 * r.phi2.error);
        CHECK(std::abs(r.phi2.mean - em) > 20.0 * r.phi2.error);
        CHECK(std::abs(r.creutz.mean - 1.0) < 4.0 * r.creutz.error);
        // The step is large enough that the Metropolis test matters.
        CHECK(r.accepted.mean < 0.95);
        CHECK(r.accepted.mean > 0.3);
    }
}

TEST_CASE("MALA samples the exact free field at a step where Langevin is biased", "[samplers]") {
    // Euler–Maruyama at this step: 0.2828394 (8², m² = 1), 11 % above the exact 0.2541739977.
    const double exact = 0.2541739977, eps = 0.05;
    const double em = mode_average(8, 2, 1.0, [&](double k) { return em_variance(k, eps); });
    const Chain r = run_chain(free_config({8, 8}, 1.0, Method::mala, eps), 300, 40000);
    INFO("phi2 " << r.phi2.mean << " +- " << r.phi2.error << " (langevin " << em << "), acceptance "
                 << r.accepted.mean << ", <exp(-dH)> " << r.creutz.mean << " +- "
                 << r.creutz.error);
    CHECK(std::abs(r.phi2.mean - exact) < 4.0 * r.phi2.error);
    CHECK(std::abs(r.phi2.mean - em) > 8.0 * r.phi2.error);
    CHECK(std::abs(r.creutz.mean - 1.0) < 4.0 * r.creutz.error);
    CHECK(r.accepted.mean < 0.95);
}

TEST_CASE("the molecular dynamics is reversible to rounding", "[samplers]") {
    Config c = free_config({6, 5, 4}, -0.8, Method::hmc, 0.05);
    c.field.components = 2;
    c.action.lambda = 0.7;
    c.action.h = {0.05, 0.0};
    const Lattice lat(c.lattice);
    const ActionParams action = resolve_action(c.action, 3, 2);
    for (const MdIntegrator integrator : {MdIntegrator::leapfrog, MdIntegrator::omelyan}) {
        INFO("integrator " << static_cast<int>(integrator));
        check_reversible(
            lat,
            [&](Field& phi, Field& p) { md_trajectory(lat, action, integrator, 20, 0.05, phi, p); },
            [&](const Field& phi, const Field& p) {
                return action_sum(lat, action, phi) + kinetic_sum(lat, p);
            });
    }
}

namespace {

Config interacting_hmc() {
    Config c = interacting_config(Method::hmc, 0.05);
    c.dynamics.hmc_steps = 4;
    c.dynamics.hmc_integrator = MdIntegrator::omelyan;
    c.dynamics.hmc_jitter = 0.2;
    return c;
}

} // namespace

TEST_CASE("HMC and MALA write identical bits with 1 and 2 threads and after a restart",
          "[samplers][bitwise]") {
    for (const Method method : {Method::hmc, Method::mala}) {
        Config c = interacting_hmc();
        c.dynamics.method = method;
        // Steps at which both accepted and rejected proposals occur in 12 steps from the start.
        c.dynamics.step = method == Method::hmc ? 0.4 : 0.002;
        INFO("method " << static_cast<int>(method));
        auto run = [&](int threads, int steps) {
            omp_set_num_threads(threads);
            auto sim = std::make_unique<Simulation>(c, cold_field(c, 0.3));
            int accepted = 0;
            for (int i = 0; i < steps; ++i) {
                sim->advance();
                accepted += sim->measure()[record_offset("accepted", 2)] == 1.0;
            }
            omp_set_num_threads(omp_get_num_procs());
            return std::pair(std::move(sim), accepted);
        };
        const auto [one, acc_one] = run(1, 12);
        const auto [two, acc_two] = run(2, 12);
        REQUIRE(one->state().phi[0].bitwise_equal(two->state().phi[0]));
        REQUIRE(acc_one == acc_two);
        INFO("accepted " << acc_one << " of 12");
        CHECK(acc_one > 0);
        CHECK(acc_one < 12); // rejections happen: the restore path is exercised
        // A restart from the state after 5 steps (a checkpoint holds just this) continues with
        // the same bits.
        const auto [mid, acc_mid] = run(2, 5);
        (void)acc_mid;
        State s;
        s.phi.emplace_back(mid->lattice(), 2);
        s.phi[0].copy_from(mid->state().phi[0]);
        s.step = mid->state().step;
        s.time = mid->state().time;
        s.next_eps = mid->state().next_eps;
        Simulation resumed(c, std::move(s));
        for (int i = 5; i < 12; ++i)
            resumed.advance();
        REQUIRE(resumed.state().phi[0].bitwise_equal(one->state().phi[0]));
        REQUIRE(resumed.state().time == one->state().time);
    }
}

namespace {

const std::string resume_deck = R"(# hmc with a schedule, measured at the checkpoint steps too
[run]
seed = 7
[lattice]
dims = 12 10
[field]
components = 2
init = hot
[action]
lambda = 0.8
h = 0.01 0
[dynamics]
method = hmc
step = 0.2
steps = 200
[schedule]
m2 = cosine 0.5 -1.2 [0:200]
[measure]
every = 5
save_every = 50
[checkpoint]
every = 50
)";

} // namespace

TEST_CASE("HMC and MALA: n steps + --resume for n more equals 2n steps bit for bit",
          "[samplers][checkpoint]") {
    Scratch s("samplers-resume");
    s.write("run.ini", resume_deck);
    const std::string hmc = " --set dynamics.hmc_steps=3 --set dynamics.hmc_jitter=0.2";
    for (const std::string& set :
         {hmc, hmc + " --set dynamics.hmc_integrator=omelyan --set dynamics.step=0.5",
          std::string(" --set dynamics.method=mala --set dynamics.step=0.05")}) {
        INFO(set);
        REQUIRE(run_ssbsim(s, "run run.ini" + set + " -o full.h5 --overwrite").status == 0);
        REQUIRE(
            run_ssbsim(s, "run run.ini" + set + " --set dynamics.steps=100 -o half.h5 --overwrite")
                .status == 0);
        const Result r = run_ssbsim(s, "run run.ini" + set + " -o half.h5 --resume");
        REQUIRE(r.status == 0);
        REQUIRE(r.err.find("continuing from step 100") != std::string::npos);
        require_same_output(s.path("full.h5"), s.path("half.h5"));
        // The Metropolis record is there: some proposals accepted, some not.
        const auto accepted = h5::File::open_read(s.path("full.h5"))
                                  .root()
                                  .open_dataset("observables/accepted")
                                  .read_double();
        double sum = 0.0;
        for (std::size_t i = 1; i < accepted.size(); ++i)
            sum += accepted[i];
        CHECK(std::isnan(accepted[0])); // step 0: no proposal yet
        CHECK(sum > 0.0);
        CHECK(sum < static_cast<double>(accepted.size() - 1));
        for (const char* f : {"half.ckpt.h5", "half.ckpt.h5.bak"})
            std::filesystem::remove(s.path(f));
    }
}

TEST_CASE("the exact samplers refuse T = 0 and keys of other methods", "[samplers][errors]") {
    const std::string head = "[run]\noutput = x.h5\n[lattice]\ndims = 8 8\n[dynamics]\n"
                             "method = hmc\nsteps = 10\n";
    const std::string deck = head + "step = 0.1\n";
    // [training] sets the step (and T) from the learning rate.
    const std::string training = head + "[training]\nlearning_rate = 0.1\n";
    auto refused = [&](const std::string& text, const std::vector<std::string>& overrides,
                       const std::string& what) {
        INFO(what);
        REQUIRE_THROWS_WITH(load_deck_text(text, overrides, "test.ini"), Catch::Contains(what));
    };
    REQUIRE(load_deck_text(deck, {}, "test.ini").dynamics.hmc_steps == 10);
    REQUIRE(load_deck_text(training, {}, "test.ini").dynamics.temperature > 0.0);
    refused(deck, {"dynamics.temperature=0"},
            "dynamics.temperature = 0 with dynamics.method = hmc");
    refused(deck, {"dynamics.method=mala", "dynamics.temperature=0"}, "needs T > 0 at every step");
    refused(deck, {"schedule.temperature=linear 1 0"}, "schedule.temperature reaches T = 0");
    refused(training, {"training.grad_variance=0"}, "eta sigma^2 / (2 B) of [training] = 0");
    refused(head + "[training]\nlr_schedule = linear 0.1 0.01\ngrad_variance = 0\n", {},
            "eta sigma^2 / (2 B) of [training] reaches T = 0");
    refused(training, {"training.noise=shared", "action.coupling_kind=mean nearest"},
            "training.noise = shared with dynamics.method = hmc");
    refused(deck, {"dynamics.method=mala", "dynamics.hmc_steps=3"}, "dynamics.hmc_steps");
    refused(deck, {"dynamics.method=langevin", "dynamics.hmc_jitter=0.1"}, "dynamics.hmc_jitter");
    refused(deck, {"dynamics.hmc_jitter=0.95"}, "dynamics.hmc_jitter");
}

TEST_CASE("a MALA step is the langevin step in the same noise, or no step", "[samplers]") {
    int accepted = 0, rejected = 0;
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
        Config c = free_config({8, 6}, -0.5, Method::mala, 0.2);
        c.action.lambda = 0.5;
        c.run.seed = seed;
        const Lattice lat(c.lattice);
        auto one_step = [&](Method m) {
            c.dynamics.method = m;
            Simulation sim(c, random_field(lat, 1, 3, 0.5));
            sim.advance();
            Field out(lat, 1);
            out.copy_from(sim.state().phi[0]);
            return out;
        };
        const Field start = random_field(lat, 1, 3, 0.5);
        const Field mala = one_step(Method::mala), langevin = one_step(Method::langevin);
        INFO("seed " << seed);
        if (mala.bitwise_equal(start)) {
            ++rejected;
        } else {
            ++accepted;
            double diff = 0.0;
            for (std::int64_t x = 0; x < lat.volume(); ++x)
                diff = std::max(diff, std::abs(mala.component(0)[x] - langevin.component(0)[x]));
            CHECK(diff < 1e-14);
        }
    }
    INFO("accepted " << accepted << ", rejected " << rejected);
    CHECK(accepted > 5);
    CHECK(rejected > 5);
}
