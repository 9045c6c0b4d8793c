#include "ssbsim/runner.hpp"

#include "ssbsim/action.hpp"
#include "ssbsim/errors.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/observables.hpp"
#include "ssbsim/progress.hpp"
#include "ssbsim/simulation.hpp"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <unistd.h>

namespace ssbsim {

namespace {

namespace fs = std::filesystem;

// The output must be creatable, and an existing file is kept unless the user said otherwise.
void check_output_path(const RunConfig& run) {
    const fs::path path(run.output);
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::is_directory(dir))
        throw InputError("run.output: directory '" + dir.string() + "' of '" + run.output +
                         "' does not exist");
    if (::access(dir.c_str(), W_OK) != 0)
        throw InputError("run.output: directory '" + dir.string() + "' is not writable");
    if (fs::exists(path) && !run.overwrite)
        throw InputError("run.output: '" + run.output +
                         "' exists; set run.overwrite = true (or --overwrite) to replace it");
}

void warn_if_unstable(const Simulation& sim, std::int64_t steps, std::ostream& log) {
    if (sim.config().dynamics.method == Method::flow_adaptive) return;
    for (std::int64_t step : {std::int64_t{0}, steps / 2, steps}) {
        const StepParams p = sim.params_at(step);
        const double bound = linear_stability_bound(p.action, sim.lattice().dims());
        if (p.eps >= bound) {
            log << "warning: dynamics.step = " << p.eps << " (at step " << step
                << ") is beyond the linear stability bound 2/(4 sum J + m2) = " << bound
                << "; expect divergence. Use a smaller step or method = flow_adaptive.\n";
            return;
        }
    }
}

void check_finite(std::span<const double> record, std::int64_t step, std::int64_t last_good) {
    for (double v : record)
        if (!std::isfinite(v))
            throw DivergenceError("the field diverged (NaN or inf) between step " +
                                  std::to_string(last_good) + " and step " + std::to_string(step) +
                                  "; use a smaller dynamics.step or method = flow_adaptive");
}

void print_summary(const Simulation& sim, std::span<const double> record, std::ostream& out) {
    const int n = sim.config().field.components;
    const int m = record_offset("magnetization", n);
    double abs_m = 0.0;
    for (int a = 0; a < n; ++a) abs_m += record[m + a] * record[m + a];
    out << std::setprecision(6) << "final step " << sim.state().step
        << "  time " << sim.state().time << "\n  M =";
    for (int a = 0; a < n; ++a) out << ' ' << record[m + a];
    out << "\n  |M| = " << std::sqrt(abs_m) << "\n  <|phi|^2> = "
        << record[record_offset("phi2", n)] << "\n  S/V = " << record[record_offset("action", n)]
        << "\n  output: " << sim.config().run.output << '\n';
}

} // namespace

void run(const Config& config, const RunStreams& io) {
    check_output_path(config.run);
    const Lattice lattice(config.lattice);
    Simulation sim(config, initial_field(config, lattice));
    const std::int64_t steps = config.dynamics.steps;
    warn_if_unstable(sim, steps, io.log);

    OutputWriter out(config, lattice);
    auto record = sim.measure();
    std::int64_t last_good = 0;
    check_finite(record, 0, 0);
    out.record(0, 0.0, record);
    Progress progress(steps, io.log, io.interactive);
    bool saved_last = false;
    for (std::int64_t step = 1; step <= steps; ++step) {
        sim.advance();
        saved_last = false;
        if (step % config.measure.every == 0 || step == steps) {
            record = sim.measure();
            check_finite(record, step, last_good);
            last_good = step;
            out.record(step, sim.state().time, record);
        }
        if (config.measure.save_every > 0 && step % config.measure.save_every == 0) {
            out.save_configuration(step, sim.state().time, sim.state().phi);
            saved_last = true;
        }
        progress.update(step);
    }
    if (!saved_last) out.save_configuration(sim.state().step, sim.state().time, sim.state().phi);
    out.flush();
    progress.finish(steps);
    print_summary(sim, record, io.out);
}

} // namespace ssbsim
