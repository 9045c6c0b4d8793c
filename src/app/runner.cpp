#include "ssbsim/app/runner.hpp"

#include "ssbsim/analysis/bias.hpp"
#include "ssbsim/analysis/stats.hpp"
#include "ssbsim/app/preflight.hpp"
#include "ssbsim/app/progress.hpp"
#include "ssbsim/app/scan.hpp"
#include "ssbsim/app/signals.hpp"
#include "ssbsim/core/comm.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/dynamics/methods.hpp"
#include "ssbsim/dynamics/simulation.hpp"
#include "ssbsim/io/checkpoint.hpp"
#include "ssbsim/io/inputs.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/io/paths.hpp"
#include "ssbsim/io/provenance.hpp"
#include "ssbsim/io/slabs.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <map>
#include <optional>

namespace ssbsim {

namespace {

namespace fs = std::filesystem;

void warn_if_unstable(const Simulation& sim, std::int64_t steps, std::ostream& log) {
    const double factor = method_spec(sim.config().dynamics.method).stability_factor;
    if (factor == 0.0) return; // the method chooses its own step
    for (std::int64_t step : {std::int64_t{0}, steps / 2, steps}) {
        const StepParams p = sim.params_at(step);
        const double bound = factor * linear_stability_bound(p.action, sim.lattice().dims());
        if (p.eps >= bound) {
            log << "warning: dynamics.step = " << p.eps << " (at step " << step
                << ") is beyond the linear stability bound 2/(4 sum J + m2) = " << bound
                << "; expect divergence. Use a smaller step or method = flow_adaptive.\n";
            return;
        }
    }
}

// Every replica's record must be finite where the observable is defined for any finite field.
void check_finite(const Measurement& m, const RecordLayout& layout, std::int64_t last_good) {
    for (const std::vector<double>& record : m.records)
        if (const char* name = nonfinite_observable(record, layout))
            throw DivergenceError("the field diverged (" + std::string(name) +
                                  " is NaN or inf) between step " + std::to_string(last_good) +
                                  " and step " + std::to_string(m.step) +
                                  "; use a smaller dynamics.step or method = flow_adaptive");
}

// Running means of the order parameters over the second half of the run (the first half is
// taken as thermalisation); a quick look, not an error analysis -- except for the
// Schwinger-Dyson check of the sampler's step-size bias, which gets a Gamma-method error.
class Summary {
  public:
    explicit Summary(int components) : n_(components) {}

    void add(std::span<const double> record) {
        // The scheduled parameters: if one varies, the means mix ensembles (say so).
        for (const char* name : {"temperature", "m2", "h"}) {
            const double v = record[record_offset(name, n_)];
            auto [it, fresh] = parameters_.try_emplace(name, v, v);
            it->second = {std::min(it->second.first, v), std::max(it->second.second, v)};
        }
        const int m = record_offset("magnetization", n_);
        double m2 = 0.0;
        for (int a = 0; a < n_; ++a)
            m2 += record[m + a] * record[m + a];
        abs_m_ += std::sqrt(m2);
        phi2_ += record[record_offset("phi2", n_)];
        action_ += record[record_offset("action", n_)];
        schwinger_dyson_.push_back(record[record_offset("schwinger_dyson", n_)]);
        if (const double a = record[record_offset("accepted", n_)]; std::isfinite(a)) {
            accepted_ += a;
            ++proposals_;
        }
        const double t = record[record_offset("temperature", n_)];
        const double eps = record[record_offset("step_size", n_)];
        if (count_ == 0) {
            temperature_ = t;
            step_ = eps;
        }
        constant_ = constant_ && t == temperature_ && eps == step_;
        ++count_;
    }

    void print(const Simulation& sim, std::span<const double> last, std::ostream& out) const {
        const int m = record_offset("magnetization", n_);
        out << std::setprecision(6) << "final step " << sim.state().step << "  time "
            << sim.state().time << "\n  final M =";
        for (int a = 0; a < n_; ++a)
            out << ' ' << last[m + a];
        out << '\n';
        if (count_ > 0)
            out << "  means over the second half (" << count_
                << " measurements):\n    <|M|> = " << abs_m_ / count_
                << "\n    <|phi|^2> = " << phi2_ / count_ << "\n    <S/V> = " << action_ / count_
                << '\n';
        if (proposals_ > 0)
            out << "    acceptance rate = " << accepted_ / static_cast<double>(proposals_)
                << (accepted_ == 0.0 ? " (every proposal rejected: the chain is frozen; lower "
                                       "dynamics.step or start near equilibrium)"
                                     : "")
                << '\n';
        for (const auto& [name, range] : parameters_)
            if (range.first != range.second)
                out << "  note: " << name << " varies from " << range.first << " to "
                    << range.second
                    << " over the second half (a schedule): these means mix ensembles; "
                       "see the final values and the time series\n";
        print_bias_check(sim.config(), out);
        out << "  output: " << sim.config().run.output << '\n';
    }

  private:
    // The same check and words as `ssbsim analyze` (analysis/bias.hpp), over the second half.
    void print_bias_check(const Config& config, std::ostream& out) const {
        if (!constant_ || !(temperature_ > 0.0) ||
            schwinger_dyson_.size() < stats::min_gamma_samples)
            return;
        stats::GammaOptions options;
        options.max_lag = 1; // no plot data
        stats::GammaResult sd;
        try {
            sd = stats::gamma_method(schwinger_dyson_, options);
        } catch (const InputError&) {
            return; // too short for its autocorrelation: nothing reliable to say
        }
        out << "    <Schwinger-Dyson> = " << sd.mean << " +- " << std::setprecision(2) << sd.error
            << std::setprecision(6) << " (1 in equilibrium)\n";
        analysis::SamplerSettings settings;
        settings.method = config.key_values.at("dynamics.method");
        settings.step = step_;
        settings.equilibrium = true;
        if (const auto message = analysis::schwinger_dyson_bias(sd.mean, sd.error, settings))
            out << "  warning: " << *message << '\n';
    }

    int n_;
    double abs_m_ = 0.0, phi2_ = 0.0, action_ = 0.0;
    std::int64_t count_ = 0, proposals_ = 0; // proposals: records of a Metropolis test
    double accepted_ = 0.0;
    std::vector<double> schwinger_dyson_;
    double temperature_ = 0.0, step_ = 0.0;
    bool constant_ = true; // T and the step the same at every measurement of the second half
    std::map<std::string, std::pair<double, double>> parameters_; // min, max (h: component 0)
};

// The typed deck a checkpoint recorded (a resolved deck, so it always validates unless it was
// written by another version of ssbsim).
Config checkpointed_config(const std::string& deck_text) {
    try {
        return load_deck_text(deck_text, {}, "checkpoint");
    } catch (const InputError& e) {
        throw InputError(std::string("resume: the checkpoint's recorded deck does not parse: ") +
                         e.what());
    }
}

// The state to continue from, or nothing when the run starts afresh.
std::optional<LoadedCheckpoint> find_checkpoint(const Config& config, const Domain& domain,
                                                const RunMode& mode, std::ostream& log) {
    if (!mode.resume) return std::nullopt;
    const std::string path = checkpoint_path(config);
    if (!fs::exists(path) && !fs::exists(backup_path(path))) {
        log << "resume: no checkpoint '" << path << "', starting the run from step 0\n";
        return std::nullopt;
    }
    LoadedCheckpoint ck =
        read_checkpoint(path, domain, config.field.components, config.run.replicas);
    for (const std::string& w : ck.warnings)
        log << "warning: " << w << '\n';
    const std::vector<std::string> diffs =
        physics_differences(checkpointed_config(ck.deck_text), config);
    if (!diffs.empty()) {
        std::string list;
        for (const std::string& d : diffs)
            list += "\n  " + d;
        if (!mode.force)
            throw InputError("resume: the deck differs from the checkpoint's in keys that change "
                             "the physics (--force continues anyway):" +
                             list);
        log << "warning: resuming with --force although these keys differ:" << list << '\n';
    }
    if (!fs::exists(config.run.output))
        throw InputError("resume: the output '" + config.run.output +
                         "' of the checkpointed run "
                         "does not exist");
    if (const std::string why = output_mismatch(config.run.output, ck.mark); !why.empty())
        throw InputError("resume: the output '" + config.run.output +
                         "' does not belong to the checkpoint '" + ck.path + "': " + why +
                         ". Resume with the output the checkpoint was written with, or start "
                         "afresh without --resume");
    log << "resume: continuing from step " << ck.state.step << " of '" << ck.path << "'\n";
    return ck;
}

// Runs `step` on every rank and makes its outcome one for all: if it threw on any rank, every
// rank throws -- its own error, or OtherRank<the same type> with the message of the lowest rank
// that failed -- so that no rank goes on alone into a collective the others never reach.
// Without a split, step().
template <class Step>
void agree(const Communicator& comm, Step&& step) {
    if (!comm.split()) return step();
    std::exception_ptr error;
    std::string message;
    try {
        step();
    } catch (const std::exception& e) {
        error = std::current_exception();
        message = e.what();
    } catch (...) {
        error = std::current_exception();
    }
    const std::vector<std::int64_t> status =
        comm.all_gather(std::int64_t{error ? exit_status_of(error) : exit_ok});
    const auto failed =
        std::find_if(status.begin(), status.end(), [](std::int64_t s) { return s != exit_ok; });
    if (failed == status.end()) return;
    const int from = static_cast<int>(failed - status.begin());
    comm.broadcast(message, from);
    if (error) std::rethrow_exception(error);
    const std::string why = "MPI rank " + std::to_string(from) + ": " + message;
    switch (*failed) {
    case exit_bad_input:
        throw OtherRank<InputError>(why);
    case exit_diverged:
        throw OtherRank<DivergenceError>(why);
    case exit_io:
        throw OtherRank<IoError>(why);
    case exit_interrupted:
        throw OtherRank<Interrupted>(why);
    default:
        throw OtherRank<std::runtime_error>(why);
    }
}

// The run's physics, from the checkpoint or from field.init, on this rank's part of the lattice.
// The files it needs are read here, field.init_file before action.h_file, each rank reading only
// its own slices (io/inputs.hpp), and handed in: the physics opens no file.
Simulation start(const Config& config, const Domain& domain, std::optional<LoadedCheckpoint>& ck) {
    if (ck)
        return Simulation(config, std::move(ck->state), read_source_field(config, domain),
                          domain.comm());
    std::vector<Field> fields = initial_fields(config, domain, read_initial_field(config, domain));
    return Simulation(config, std::move(fields), read_source_field(config, domain), domain.comm());
}

// The field I/O of a run, with no rank ever holding the whole field (docs/output.md, "Runs split
// over MPI ranks"). A checkpoint is written by every rank together: one collective MPI-IO file,
// each rank's slices a hyperslab (io/checkpoint.hpp). A configuration goes into the output,
// which only the root has open, because its crash safety rests on the serial HDF5's flush and
// metadata-cache semantics that the MPI-IO driver does not give: the root writes its own slab,
// then receives and writes each other rank's in turn, in pieces of at most io_piece_values
// doubles (io/slabs.hpp). Without a split the fields are written as they are.
class FieldWriter {
  public:
    FieldWriter(const Domain& domain, int components)
        : domain_(domain), per_slice_(values_per_slice(domain, components)) {}

    // Called on every rank; `out` exists on the root only.
    void configuration(OutputWriter* out, std::int64_t step, double time, const Field& phi) const {
        if (!domain_.split()) return out->save_configuration(step, time, phi);
        const Communicator& comm = domain_.comm();
        std::vector<double> buffer;
        if (!comm.root()) {
            for (const Slices& p : pieces(own_slices(domain_), per_slice_))
                comm.send(own_site_major(domain_, phi, p, buffer), 0, configuration_tag);
            return;
        }
        std::vector<std::pair<int, Slices>> parts; // in the order of the whole field
        for (int r = 0; r < comm.size(); ++r)
            for (const Slices& p : pieces(slices_of_rank(domain_, r), per_slice_))
                parts.emplace_back(r, p);
        std::size_t next = 0;
        out->save_configuration(step, time, parts.size(),
                                [&](std::vector<double>& buf) -> std::span<const double> {
                                    const auto [r, p] = parts[next++];
                                    if (r == 0) return own_site_major(domain_, phi, p, buf);
                                    buf.resize(p.count * per_slice_);
                                    comm.recv(buf, r, configuration_tag);
                                    return buf;
                                });
    }

    // Called on every rank, with the root's output mark (the others have no output).
    void checkpoint(const std::string& path, const State& state, const Config& config,
                    OutputMark mark) const {
        if (domain_.split()) {
            std::int64_t step[1] = {mark.step};
            double values[2] = {mark.time, mark.action};
            domain_.comm().broadcast(step);
            domain_.comm().broadcast(values);
            mark = {step[0], values[0], values[1]};
        }
        write_checkpoint(path, domain_, state, config, mark);
    }

  private:
    static constexpr int configuration_tag = 30000; // apart from the halos' and reductions'
    const Domain& domain_;
    std::uint64_t per_slice_;
};

// The deck an output recorded describes the same physics as this run's (a deck that does not
// parse, from another version of ssbsim, does not).
bool same_physics(const std::string& recorded, const Config& config) {
    try {
        return physics_differences(load_deck_text(recorded, {}, "output"), config).empty();
    } catch (const InputError&) {
        return false;
    }
}

// An existing output of the same physics that already holds the whole run: never rerun.
bool already_complete(const Config& config, std::ostream& log) {
    if (!fs::exists(config.run.output)) return false;
    const OutputStatus s = read_output_status(config.run.output);
    if (!s.complete(config.dynamics.steps) || !same_physics(s.deck, config)) return false;
    log << "'" << config.run.output << "' is complete (step "
        << s.final_step.value_or(s.last_measured) << ", " << s.segments
        << " run segment(s)): nothing to do\n";
    return true;
}

// --resume without a checkpoint over an existing output: it is started again from step 0 only if
// nothing complete is in it, i.e. it is a run of the same physics that was killed (or stopped by
// a failed write) before its first checkpoint. Anything else is kept unless --overwrite.
bool restartable(const Config& config, std::ostream& log) {
    if (!fs::exists(config.run.output)) return false;
    const OutputStatus s = read_output_status(config.run.output);
    if (!s.ssbsim || !same_physics(s.deck, config)) return false;
    if (s.complete(s.final_step.value_or(s.last_measured))) {
        if (!config.run.overwrite)
            throw InputError("resume: '" + config.run.output + "' holds a complete run of " +
                             std::to_string(s.final_step.value_or(s.last_measured)) +
                             " steps and its checkpoint is gone (checkpoint.keep = false), so it "
                             "cannot be continued to dynamics.steps = " +
                             std::to_string(config.dynamics.steps) +
                             "; run it again with --overwrite");
        return false;
    }
    if (s.exit_status == exit_diverged) return false; // the record of a divergence stays
    log << "resume: '" << config.run.output
        << "' holds no checkpointed step (the run stopped before its first checkpoint): starting "
           "it again from step 0\n";
    return true;
}

// Checkpoints go where the field is known to be good: finite and within dynamics.field_bound.
void check_field(const Simulation& sim, double bound, std::int64_t last_good) {
    double m = 0.0;
    for (const Field& phi : sim.state().phi)
        m = std::max(m, max_abs(sim.domain(), phi));
    if (m <= bound) return;
    throw DivergenceError("at step " + std::to_string(sim.state().step) + " max|phi| = " +
                          std::to_string(m) + " exceeds the bound " + std::to_string(bound) +
                          " (last good measurement: step " + std::to_string(last_good) +
                          "); the last good checkpoint is kept. Use a smaller dynamics.step or "
                          "method = flow_adaptive");
}

} // namespace

RunOutcome run(const Config& config, const RunStreams& streams, const RunMode& mode) {
    const StopSignals stop; // from the start: a signal never kills a run half-way into a file
    const Lattice lattice(config.lattice);
    // Split over the ranks of mpirun (one rank without it). Only the root writes and talks; the
    // checks before the output exists run on every rank (the lock and the clean-up of a killed
    // run's leftovers on the root), and one verdict holds for all (agree).
    const Domain domain(lattice, Communicator::world());
    const Communicator& comm = domain.comm();
    std::ostream quiet(nullptr); // discards: the other ranks' progress and summary
    const RunStreams io = comm.root() ? streams : RunStreams{quiet, quiet, false};
    std::optional<OutputLock> lock;
    RunPaths paths;
    bool complete = false, restart = false;
    Config fresh = config; // may replace an output that holds nothing complete
    std::optional<LoadedCheckpoint> ck;
    agree(comm, [&] {
        paths = preflight(config, mode);
        if (comm.root()) {
            lock.emplace(paths.lock);
            if (!lock->warning().empty()) io.log << "warning: " << lock->warning() << '\n';
            remove_leftovers(paths); // of a run killed outright: ours by name, no one else's now
        }
    });
    agree(comm, [&] {
        complete = (mode.resume || mode.skip_complete) && already_complete(config, io.log);
        if (complete) return;
        ck = find_checkpoint(config, domain, mode, io.log);
        restart = mode.resume && !ck && restartable(config, io.log);
        fresh.run.overwrite = config.run.overwrite || restart;
        if (!ck) check_run_paths(fresh, paths, {mode.deck_file, false}); // as a fresh run
    });
    if (complete) return RunOutcome::complete;
    std::optional<Simulation> started;
    agree(comm, [&] { started.emplace(start(config, domain, ck)); });
    Simulation& sim = *started;
    ck.reset();
    const std::int64_t steps = config.dynamics.steps;
    warn_if_unstable(sim, steps, io.log);
    const std::string ckpt = checkpoint_path(config);
    const std::int64_t ckpt_every = config.checkpoint.every > 0
                                        ? config.checkpoint.every
                                        : std::max<std::int64_t>(1, steps / 10);
    const double bound = config.dynamics.field_bound;

    const std::int64_t first = sim.state().step;
    std::optional<OutputWriter> out;
    std::optional<Segment> segment;
    std::optional<OutputGuard> guard; // `rm` of the output during the run is noticed
    agree(comm, [&] {
        if (!comm.root()) return;
        out.emplace(first > 0 ? OutputWriter::resume(config, first) : OutputWriter(fresh, lattice));
        const std::string kind = first > 0 ? "resume" : restart ? "restart" : "new";
        segment.emplace(out->root(), first, kind, config.deck_text);
        guard.emplace(paths.output);
    });
    const FieldWriter writer(domain, config.field.components);
    auto save_configuration = [&](std::int64_t step, double time) {
        writer.configuration(out ? &*out : nullptr, step, time, sim.state().phi[0]);
    };
    const RecordLayout layout(lattice, config.field.components);
    Progress progress(steps, io.log, io.interactive);
    Summary summary(config.field.components);
    Measurement m;
    try {
        m = sim.measure_all();
        std::int64_t last_good = first;
        check_finite(m, layout, first);
        if (first == 0 && out) out->record(m);
        auto checkpoint = [&] {
            check_field(sim, bound, last_good);
            if (out) {
                segment->saved(sim.state().step);
                out->flush();
                guard->check();
            }
            writer.checkpoint(ckpt, sim.state(), config, out ? out->mark() : OutputMark{});
        };
        for (std::int64_t step = first + 1; step <= steps; ++step) {
            sim.advance();
            if (step % config.measure.every == 0 || step == steps) {
                m = sim.measure_all();
                check_finite(m, layout, last_good);
                last_good = step;
                if (out) out->record(m);
                if (2 * step > steps) summary.add(m.records.front());
            }
            if ((config.measure.save_every > 0 && step % config.measure.save_every == 0) ||
                step == steps)
                save_configuration(step, sim.state().time);
            // Split, the ranks agree on a stop (a signal may reach them at different steps).
            const bool stopping = comm.split() ? comm.any(stop.requested()) : stop.requested();
            if (step % ckpt_every == 0 || step == steps)
                checkpoint();
            else if (stopping)
                checkpoint();
            if (stopping && step < steps)
                throw Interrupted(
                    "signal " + std::to_string(stop.signal()) + " at step " + std::to_string(step) +
                    ": checkpoint written to '" + ckpt + "'; continue with " +
                    (mode.resume_command.empty() ? std::string("ssbsim run DECK --resume")
                                                 : mode.resume_command));
            progress.update(step);
        }
        if (first >= steps) { // nothing to run: a fresh zero-step run still saves its field
            if (first == 0) save_configuration(0, 0.0);
            checkpoint();
        }
        if (out) {
            segment->finish(exit_ok); // before the checkpoint may go: complete, or resumable
            out->flush();
            guard->check();
        }
    } catch (...) {
        // The output says how its segment ended whenever it can; the error itself goes on.
        const int status = exit_status_of(std::current_exception());
        try {
            if (out) {
                segment->finish(status);
                out->flush();
            }
        } catch (...) {
        }
        // Split, a divergence and a stop are seen by every rank at the same step (the records
        // and max|phi| are the whole lattice's, the stop is agreed); any other error (a failed
        // write on the root) only here: say it and end the other ranks, which would wait for
        // this one forever.
        if (comm.split() && status != exit_diverged && status != exit_interrupted) {
            report_error(std::current_exception(), streams.log);
            streams.log.flush();
            comm.abort(status);
        }
        throw;
    }
    if (!config.checkpoint.keep && comm.root()) remove_checkpoint(ckpt);
    progress.finish(steps);
    summary.print(sim, m.records.front(), io.out);
    return RunOutcome::ran;
}

} // namespace ssbsim
