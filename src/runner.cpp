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

// Running means of the order parameters over the second half of the run (the first half is
// taken as thermalisation); a quick look, not an error analysis.
class Summary {
public:
    explicit Summary(int components) : n_(components) {}

    void add(std::span<const double> record) {
        const int m = record_offset("magnetization", n_);
        double m2 = 0.0;
        for (int a = 0; a < n_; ++a) m2 += record[m + a] * record[m + a];
        abs_m_ += std::sqrt(m2);
        phi2_ += record[record_offset("phi2", n_)];
        action_ += record[record_offset("action", n_)];
        ++count_;
    }

    void print(const Simulation& sim, std::span<const double> last, std::ostream& out) const {
        const int m = record_offset("magnetization", n_);
        out << std::setprecision(6) << "final step " << sim.state().step << "  time "
            << sim.state().time << "\n  final M =";
        for (int a = 0; a < n_; ++a) out << ' ' << last[m + a];
        out << '\n';
        if (count_ > 0)
            out << "  means over the second half (" << count_ << " measurements):\n    <|M|> = "
                << abs_m_ / count_ << "\n    <|phi|^2> = " << phi2_ / count_
                << "\n    <S/V> = " << action_ / count_ << '\n';
        out << "  output: " << sim.config().run.output << '\n';
    }

private:
    int n_;
    double abs_m_ = 0.0, phi2_ = 0.0, action_ = 0.0;
    std::int64_t count_ = 0;
};

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
    Summary summary(config.field.components);
    bool saved_last = false;
    for (std::int64_t step = 1; step <= steps; ++step) {
        sim.advance();
        saved_last = false;
        if (step % config.measure.every == 0 || step == steps) {
            record = sim.measure();
            check_finite(record, step, last_good);
            last_good = step;
            out.record(step, sim.state().time, record);
            if (2 * step > steps) summary.add(record);
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
    summary.print(sim, record, io.out);
}

} // namespace ssbsim
