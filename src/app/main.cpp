// ssbsim command line: subcommands only. Parses, dispatches, and maps exceptions to the
// documented exit statuses (errors.hpp); everything else lives in the library.
#include "ssbsim/analysis/analyze.hpp"
#include "ssbsim/app/bench.hpp"
#include "ssbsim/app/jobscript.hpp"
#include "ssbsim/app/measure.hpp"
#include "ssbsim/app/preflight.hpp"
#include "ssbsim/app/runner.hpp"
#include "ssbsim/app/scan.hpp"
#include "ssbsim/core/comm.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/version.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <csignal>
#include <filesystem>
#include <hdf5.h>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace po = boost::program_options;
using namespace ssbsim;

namespace {

constexpr const char* usage = R"(usage: ssbsim <command> [options]

commands:
  run DECK [--set section.key=value]... [--output PATH] [--overwrite] [--resume [--force]]
         [--list-points | --point I | --all]
                 run the simulation described by the input deck; --resume continues
                 from its checkpoint (and starts afresh when there is none); a deck with
                 a [scan] section runs one point (--point) or all of them (--all)
  jobscript DECK [--threads N] [--concurrent K] [--time T] [--ranks R]
                 print a SLURM batch script for the deck: an array job over the points
                 of its [scan] (each --resume: requeue-safe), else a single job
  keys [--markdown]
                 list every deck key with type, default, allowed range and description
  info FILE      summarise an ssbsim HDF5 output file
  measure FILE [-o OUT] [--overwrite]
                 recompute the observables of the configurations saved in FILE
                 (a run, or weights recorded from training) into a new output
  observables    list every observable written to /observables (markdown)
  analyze FILE... [--skip N] [--json|--csv] [--write]
                 thermalisation, means and errors (Gamma-method), Binder cumulant, chi,
                 xi2, specific heat; over a scan: tables per size and Binder crossings
  bench [--lattice 2048x2048] [--lattice3d 160x160x160|none] [--components N]
        [--methods LIST] [--reps R] [--threads N] [--no-scaling] [--json]
                 measure kernel speed, memory bandwidth and noise rate on this machine
  version        print the program version

exit status: 0 ok, 1 internal error, 2 bad input (nothing written), 3 diverged,
             4 I/O error, 5 interrupted
)";

// `ssbsim COMMAND --help`: dispatch prints the command's usage lines, parse its options, and
// HelpShown ends the command with status 0.
struct HelpShown {};

bool wants_help(const std::vector<std::string>& args) {
    return std::find_if(args.begin(), args.end(), [](const std::string& a) {
               return a == "--help" || a == "-h";
           }) != args.end();
}

// The lines of `usage` that describe one command.
std::string command_usage(const std::string& command) {
    const std::string text = usage;
    const std::size_t start = text.find("\n  " + command + " ");
    const std::size_t alone = text.find("\n  " + command + "\n");
    const std::size_t at = std::min(start, alone);
    if (at == std::string::npos) return "";
    std::size_t end = at + 1;
    do // the entry runs until the next line that starts a command (two spaces, a letter)
        end = text.find('\n', end) + 1;
    while (end < text.size() && text.compare(end, 3, "   ") == 0);
    return "usage: ssbsim" + text.substr(at + 2, end - at - 2);
}

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& opts,
                        const po::positional_options_description& positional) {
    if (wants_help(args)) {
        std::cout << '\n' << opts;
        throw HelpShown{};
    }
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(opts).positional(positional).run(), vm);
    po::notify(vm);
    return vm;
}

// The indices of the points to run: the deck's [scan] points selected by --point/--all.
std::vector<std::size_t> selected_points(const po::variables_map& vm, std::size_t count) {
    if (vm.count("point")) {
        const auto i = vm["point"].as<long long>();
        if (i < 0 || i >= static_cast<long long>(count))
            throw InputError("--point " + std::to_string(i) + ": the deck has " +
                             std::to_string(count) + " points, 0 to " + std::to_string(count - 1));
        return {static_cast<std::size_t>(i)};
    }
    if (count > 1 && !vm["all"].as<bool>())
        throw InputError("the deck's [scan] has " + std::to_string(count) +
                         " points: run them with --all, one with --point I (see --list-points)");
    std::vector<std::size_t> all(count);
    for (std::size_t i = 0; i < count; ++i)
        all[i] = i;
    return all;
}

// The command line that continues an interrupted run: this one, with --resume.
std::string resume_command(const std::vector<std::string>& args) {
    std::string command = "ssbsim run";
    for (const std::string& a : args) {
        const bool plain =
            a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789_-+=.,/:@%") == std::string::npos;
        std::string quoted = "'";
        for (const char c : a)
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        command += " " + (plain && !a.empty() ? a : quoted + "'");
    }
    if (std::find(args.begin(), args.end(), "--resume") == args.end()) command += " --resume";
    return command;
}

Config point_config(const std::string& text, const std::vector<std::string>& overrides,
                    const std::string& deck, const ScanPoint& p) {
    std::vector<std::string> point_overrides = overrides;
    std::erase_if(point_overrides,
                  [](const std::string& o) { return o.starts_with("run.output="); });
    point_overrides.insert(point_overrides.end(), p.settings.begin(), p.settings.end());
    return load_deck_text(text, point_overrides, deck);
}

// Options that mean nothing in combination are refused, not ignored.
void check_run_options(const po::variables_map& vm) {
    if (vm["force"].as<bool>() && !vm["resume"].as<bool>())
        throw InputError("--force only applies with --resume");
    if (vm["all"].as<bool>() && vm.count("point"))
        throw InputError("--all and --point exclude each other");
    if (vm["list-points"].as<bool>() && (vm["all"].as<bool>() || vm.count("point")))
        throw InputError("--list-points runs nothing: give it without --all or --point");
}

int cmd_run(const std::vector<std::string>& args) {
    po::options_description opts("run options");
    opts.add_options()("deck", po::value<std::string>()->required(), "input deck")(
        "set", po::value<std::vector<std::string>>()->composing(), "override: section.key=value")(
        "output,o", po::value<std::string>(), "output file (run.output)")(
        "overwrite", po::bool_switch(), "replace an existing output file (run.overwrite)")(
        "resume", po::bool_switch(),
        "continue from the checkpoint (start afresh if there is none)")(
        "force", po::bool_switch(), "with --resume: continue although physics keys changed")(
        "list-points", po::bool_switch(), "print the points of the deck's [scan] and exit")(
        "point", po::value<long long>(), "run one point of the scan (0-based)")(
        "all", po::bool_switch(), "run every point of the scan in turn");
    po::positional_options_description pos;
    pos.add("deck", 1);
    const po::variables_map vm = parse(args, opts, pos);
    std::vector<std::string> overrides;
    if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
    if (vm.count("output")) overrides.push_back("run.output=" + vm["output"].as<std::string>());
    if (vm["overwrite"].as<bool>()) overrides.push_back("run.overwrite=true");
    const std::string deck = vm["deck"].as<std::string>();
    check_run_options(vm);
    const std::string text = read_deck_file(deck);
    const std::vector<ScanPoint> points = scan_points(text, overrides, deck);
    if (vm["list-points"].as<bool>()) {
        for (std::size_t i = 0; i < points.size(); ++i)
            std::cout << i << '\t' << points[i].output << '\t' << points[i].label << '\n';
        return exit_ok;
    }
    if (vm.count("point") && points.size() == 1 && points.front().label.empty())
        throw InputError("--point: the deck has no [scan] section");
    std::vector<Config> configs; // every point's: no two may share a file, whichever run
    std::vector<std::string> labels;
    for (const ScanPoint& p : points) {
        configs.push_back(point_config(text, overrides, deck, p));
        labels.push_back(p.label);
    }
    const std::vector<std::size_t> selected = selected_points(vm, points.size());
    const bool all = vm["all"].as<bool>();
    const RunMode mode{vm["resume"].as<bool>(), vm["force"].as<bool>(), all, resume_command(args),
                       deck};
    // Every selected point's deck, files and memory are checked before anything is written.
    preflight_scan(configs, labels, selected, mode);
    std::vector<PointRun> runs;
    for (const std::size_t i : selected)
        runs.push_back({i, configs[i]});
    const RunStreams streams{std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1};
    if (all) return run_points(runs, streams, mode);
    run(runs.front().config, streams, mode);
    return exit_ok;
}

int cmd_jobscript(const std::vector<std::string>& args) {
    po::options_description opts("jobscript options");
    opts.add_options()("deck", po::value<std::string>()->required(), "input deck")(
        "threads", po::value<int>()->default_value(1), "OpenMP threads per point")(
        "concurrent", po::value<int>(), "array tasks running at once (default: all)")(
        "time", po::value<std::string>()->default_value("24:00:00"), "time limit per task")(
        "ranks", po::value<int>()->default_value(1), "MPI ranks per point (srun, slabs of axis 1)");
    po::positional_options_description pos;
    pos.add("deck", 1);
    const po::variables_map vm = parse(args, opts, pos);
    const std::string deck = vm["deck"].as<std::string>();
    const std::string text = read_deck_file(deck);
    JobScriptInput input{std::filesystem::absolute(deck).lexically_normal().string(),
                         std::filesystem::read_symlink("/proc/self/exe").string(),
                         scan_points(text, {}, deck)};
    for (const ScanPoint& p : input.points) // every point valid before a job is written
        load_deck_text(text, p.settings, deck);
    JobScriptOptions options;
    options.threads = vm["threads"].as<int>();
    if (vm.count("concurrent")) options.concurrent = vm["concurrent"].as<int>();
    options.time = vm["time"].as<std::string>();
    options.ranks = vm["ranks"].as<int>();
    std::cout << slurm_script(input, options);
    return exit_ok;
}

int cmd_keys(const std::vector<std::string>& args) {
    po::options_description opts("keys options");
    opts.add_options()("markdown", po::bool_switch(), "markdown table (docs/keys.md)");
    const po::variables_map vm = parse(args, opts, {});
    print_keys(std::cout, vm["markdown"].as<bool>() ? KeysFormat::markdown : KeysFormat::text);
    return exit_ok;
}

int cmd_info(const std::vector<std::string>& args) {
    po::options_description opts("info options");
    opts.add_options()("file", po::value<std::string>()->required(), "HDF5 output file");
    po::positional_options_description pos;
    pos.add("file", 1);
    const po::variables_map vm = parse(args, opts, pos);
    describe_file(vm["file"].as<std::string>(), std::cout);
    return exit_ok;
}

int cmd_measure(const std::vector<std::string>& args) {
    po::options_description opts("measure options");
    opts.add_options()("file", po::value<std::string>()->required(), "HDF5 file")(
        "output,o", po::value<std::string>()->default_value(""),
        "output (FILE_measured.h5)")("overwrite", po::bool_switch(), "replace an existing output");
    po::positional_options_description pos;
    pos.add("file", 1);
    const po::variables_map vm = parse(args, opts, pos);
    measure_file(
        {vm["file"].as<std::string>(), vm["output"].as<std::string>(), vm["overwrite"].as<bool>()},
        std::cerr);
    return exit_ok;
}

int cmd_bench(const std::vector<std::string>& args) {
    po::options_description opts("bench options");
    opts.add_options()("lattice", po::value<std::string>()->default_value("2048x2048"),
                       "main lattice, extents joined by 'x'")(
        "lattice3d", po::value<std::string>()->default_value("160x160x160"),
        "second lattice, or 'none'")("components", po::value<int>()->default_value(1),
                                     "field components N")(
        "methods",
        po::value<std::string>()->default_value(
            "langevin,langevin2,flow,flow_rk3,flow_adaptive,momentum"),
        "comma-separated dynamics methods")("reps", po::value<int>()->default_value(5),
                                            "repetitions per figure (median reported)")(
        "threads", po::value<int>()->default_value(0), "maximum threads (default: OpenMP's)")(
        "no-scaling", po::bool_switch(), "skip the 1 -> max thread scaling")(
        "json", po::bool_switch(), "print JSON on stdout (progress goes to stderr)");
    const po::variables_map vm = parse(args, opts, {});
    BenchOptions o;
    o.lattice = parse_extents(vm["lattice"].as<std::string>(), "--lattice");
    const std::string third = vm["lattice3d"].as<std::string>();
    o.lattice3d =
        third == "none" ? std::vector<std::int64_t>{} : parse_extents(third, "--lattice3d");
    o.components = vm["components"].as<int>();
    o.methods = parse_methods(vm["methods"].as<std::string>());
    o.reps = vm["reps"].as<int>();
    o.threads = vm["threads"].as<int>();
    o.scaling = !vm["no-scaling"].as<bool>();
    // Under mpirun the ranks measure the split lattice together; the root reports.
    std::ostringstream not_shown;
    const bool root = Communicator::world().root();
    const BenchReport report = run_bench(o, root ? std::cerr : not_shown);
    std::ostream& out = root ? std::cout : not_shown;
    if (vm["json"].as<bool>())
        print_bench_json(report, out);
    else
        print_bench(report, out);
    return exit_ok;
}

int cmd_analyze(const std::vector<std::string>& args) {
    po::options_description opts("analyze options");
    opts.add_options()("files", po::value<std::vector<std::string>>(), "HDF5 output files")(
        "skip", po::value<std::int64_t>(), "measurements to drop (default: automatic)")(
        "json", po::bool_switch(), "JSON on stdout")("csv", po::bool_switch(), "CSV on stdout")(
        "write", po::bool_switch(), "store the results in an /analysis group of each file");
    po::positional_options_description pos;
    pos.add("files", -1);
    const po::variables_map vm = parse(args, opts, pos);
    analysis::Request request;
    if (vm.count("files")) request.files = vm["files"].as<std::vector<std::string>>();
    if (vm.count("skip")) {
        const std::int64_t skip = vm["skip"].as<std::int64_t>();
        if (skip < 0) throw InputError("analyze: --skip " + std::to_string(skip) + " is negative");
        request.options.skip = static_cast<std::size_t>(skip);
    }
    if (vm["json"].as<bool>() && vm["csv"].as<bool>())
        throw InputError("analyze: --json and --csv exclude each other");
    request.format = vm["json"].as<bool>()  ? analysis::Format::json
                     : vm["csv"].as<bool>() ? analysis::Format::csv
                                            : analysis::Format::table;
    request.write = vm["write"].as<bool>();
    analysis::run_analyze(request, std::cout, std::cerr);
    return exit_ok;
}

int dispatch(const std::string& command, const std::vector<std::string>& args) {
    if (wants_help(args) && !command_usage(command).empty()) {
        std::cout << command_usage(command);
        if (command == "observables" || command == "version") return exit_ok;
    }
    if (command == "run") return cmd_run(args);
    if (command == "keys") return cmd_keys(args);
    if (command == "jobscript") return cmd_jobscript(args);
    if (command == "info") return cmd_info(args);
    if (command == "measure") return cmd_measure(args);
    if (command == "observables") {
        if (!args.empty()) throw InputError("observables takes no arguments");
        print_observables(std::cout);
        return exit_ok;
    }
    if (command == "analyze") return cmd_analyze(args);
    if (command == "bench") return cmd_bench(args);
    if (command == "version" || command == "--version") {
        std::cout << "ssbsim " << version << '\n';
        return exit_ok;
    }
    if (command == "help" || command == "--help" || command == "-h") {
        std::cout << usage;
        return exit_ok;
    }
    throw InputError("unknown command '" + command + "'\n" + usage);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << usage;
        return exit_bad_input;
    }
    // A full disk or a file-size limit must surface as a write error (exit 4), not kill us; and
    // HDF5's exit-time cleanup must not run: on a file left in an error state by a failed write
    // it crashes (1.10.8). Every handle of ours is closed by RAII before exit anyway.
    std::signal(SIGXFSZ, SIG_IGN);
    H5dont_atexit();
    // Under mpirun/srun the ranks split the lattice (core/comm.hpp); alone, one rank as always.
    const MpiSession mpi(argc, argv);
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        return dispatch(argv[1], args);
    } catch (const HelpShown&) {
        return exit_ok;
    } catch (const po::error& e) {
        std::cerr << "ssbsim: error: " << e.what() << "\n(ssbsim help for usage)\n";
        return exit_bad_input;
    } catch (...) {
        // Split over MPI ranks, every rank stops with the same status (runner.cpp: agree) and
        // the root says why; a rank that fails alone during a run says so and aborts the others.
        std::ostringstream not_shown;
        std::ostream& log = Communicator::world().root() ? std::cerr : not_shown;
        return report_error(std::current_exception(), log);
    }
}
