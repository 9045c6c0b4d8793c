// Uses the installed ssbsim library as a user would: a deck from text, a simulation of a small
// free field, and a measurement. Prints the version and <phi^2>; exits 1 if it is not finite.
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/version.hpp"

#include <cmath>
#include <iostream>

int main() {
    const ssbsim::Config config = ssbsim::load_deck_text(
        "[lattice]\ndims = 8 8\n[action]\nm2 = 1\nlambda = 0\n[dynamics]\nstep = 0.1\n"
        "temperature = 1\nsteps = 200\n",
        {}, "consumer.ini");
    ssbsim::Simulation sim(config, ssbsim::initial_field(config, ssbsim::Lattice(config.lattice)));
    for (int i = 0; i < 200; ++i)
        sim.advance();
    const std::vector<double> record = sim.measure();
    const double phi2 = record[ssbsim::record_offset("phi2", 1)];
    std::cout << "ssbsim " << ssbsim::version << " from the installed package: <phi^2> = " << phi2
              << " after " << sim.state().step << " steps\n";
    return std::isfinite(phi2) && phi2 > 0.0 ? 0 : 1;
}
