// `ssbsim analyze`: error analysis of run outputs, one file at a time and over the files of a scan.
// Per file: thermalisation cut (automatic: stats::thermalisation_cut on a few robust observables,
// the largest cut wins; or given), every observable column by Wolff's Γ-method, and the derived
// quantities (Binder cumulant, χ, ξ₂, specific heat) by the Γ-method of the linearised
// estimator (Wolff 2004, eq. 3.20ff: the series projected on the gradient of f). Over files: groups
// by lattice size and the deck key that varies, and the crossings of the Binder curves of
// successive sizes (stats::find_crossing). Files are identified by their recorded deck, `dims`
// and /parameters, never by their names. Definitions and formats: docs/analysis.md.
// Tested by tests/test_analyze.cpp (and through the program by tests/test_python.cpp).
#pragma once

#include "ssbsim/deck/config.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ssbsim::analysis {

// One column of /observables: rows × row_shape values, row-major.
struct Column {
    std::vector<std::uint64_t> row_shape;
    std::vector<double> values;

    std::size_t width() const;
    std::size_t rows() const { return width() == 0 ? 0 : values.size() / width(); }
    // Entry `index` of every row (index < width()).
    std::vector<double> entry(std::size_t index) const;
};

// What a run output holds, read once; everything after this works on memory.
struct RunData {
    std::string source; // file path, for messages
    std::vector<std::int64_t> dims;
    std::vector<Boundary> boundary; // per axis
    int components = 1;
    std::string deck;                          // the resolved deck (root attribute)
    std::map<std::string, std::string> values; // the deck as section.key -> text
    std::int64_t planned_steps = -1;           // dynamics.steps (-1: unknown)
    std::vector<std::int64_t> step;
    // /observables/<name>; with R = `replicas` > 1 the columns of /replicas instead, as R blocks
    // of step.size() rows, replica 0 first (independent chains, analysed together; `time`
    // repeated per block).
    std::map<std::string, Column> columns;
    int replicas = 1;
    std::vector<std::string> warnings; // e.g. an incomplete run

    double volume() const;
};

// Reads an ssbsim output. Throws InputError naming the file and the problem when it is missing,
// not HDF5, unreadable (e.g. truncated), not an ssbsim output, or lacks a dataset the analysis
// needs.
RunData read_run(const std::string& path);

// True for an ssbsim checkpoint (which a glob like out_*.h5 also matches): the command skips
// those with a note instead of calling them unusable.
bool is_checkpoint_file(const std::string& path);

struct Options {
    std::optional<std::size_t> skip; // measurements to drop; empty: automatic
};

// Fewest measurements left after the cut that the analysis accepts (the automatic cut's 100
// batches; the Γ-method further needs 20 effective samples).
inline constexpr std::size_t min_samples = 100;

// Metropolis methods: an acceptance rate below this draws a warning (samples far apart in the
// chain are needed for one independent one), and so does <e^{-ΔH}> more than creutz_sigmas
// errors from 1.
inline constexpr double metropolis_low_acceptance = 0.1;
inline constexpr double creutz_sigmas = 4.0;

struct Estimate {
    std::string name;     // column name, "name[i]" for an entry of a vector column
    std::string method;   // "gamma", "gamma_derived", "constant", "parameter"
    double value = 0.0;   // NaN when it does not exist (see note)
    double error = 0.0;   // NaN when no error estimate exists (see note)
    double tau_int = 0.0; // Γ-method (derived: of the projected series); NaN for constant/parameter
    double tau_int_error = 0.0;
    double n_effective = 0.0; // N / (2 τ_int)
    std::size_t n_samples = 0;
    std::string note; // why a number is missing, or how it was formed
};

struct FileAnalysis {
    std::string source;
    std::vector<std::int64_t> dims;
    int components = 1;
    std::map<std::string, std::string> values; // the recorded deck
    std::size_t measurements = 0;              // per replica
    int replicas = 1;                          // combined: the same cut on each, series chained
    std::size_t skip = 0;
    bool skip_automatic = true;
    bool at_limit = false;       // the automatic cut hit N/2: no equilibrium reached
    bool step_size_bias = false; // Schwinger-Dyson differs from 1 (bias.hpp); a warning says why
    std::int64_t first_step = 0, last_step = 0; // steps of the first used and last measurement
    std::vector<Estimate> estimates;            // columns, then derived quantities
    std::map<std::string, double> final_values; // last record: time, order parameters
    std::vector<std::string> warnings;

    const Estimate* find(const std::string& name) const;
    std::string size_label() const; // "16x16"
};

// The whole per-file analysis. Throws InputError (naming the file) when fewer than min_samples
// measurements remain or the automatic cut cannot be determined.
FileAnalysis analyze_run(const RunData& run, const Options& options);

// ---- Derived quantities: f(means of primaries), public for the tests ----------------------
// Binder cumulant 1 − ⟨|M|⁴⟩/(3⟨|M|²⟩²) and the O(N) form 1 − N⟨|M|⁴⟩/((N+2)⟨|M|²⟩²).
double binder(double m2, double m4);
double binder_on(double m2, double m4, int components);
// χ = V(⟨|M|²⟩ − ⟨|M|⟩²).
double susceptibility(double m2, double abs_m, double volume);

// ---- Scans ----------------------------------------------------------------------------
struct ScanPoint {
    double x = 0.0;       // value of the scanned key (NaN: no key varies)
    std::size_t file = 0; // index into the analysed files
};

struct ScanCurve {
    std::string label; // "16x16" plus the other varying keys
    std::vector<std::int64_t> dims;
    std::map<std::string, std::string> others; // other varying keys of this curve
    std::vector<ScanPoint> points;             // increasing x
};

struct ScanCrossing {
    std::string small, large; // curve labels
    bool found = false;
    double x = 0.0, x_error = 0.0;
    double binder = 0.0, binder_error = 0.0;
    std::string method; // "linear" / "quadratic"
    std::size_t sign_changes = 0;
    std::string note;
};

struct ScanAnalysis {
    std::string coupling;                // the deck key on the x axis ("" if none varies)
    std::vector<std::string> other_keys; // further varying keys: part of a curve's identity
    std::vector<ScanCurve> curves;       // by other keys, then lattice volume
    std::vector<ScanCrossing> crossings; // successive sizes with equal other keys
    std::vector<std::string> notes;
};

ScanAnalysis analyze_scan(const std::vector<FileAnalysis>& files);

// ---- Output ---------------------------------------------------------------------------
void write_table(std::ostream& out, const std::vector<FileAnalysis>& files,
                 const ScanAnalysis& scan);
void write_json(std::ostream& out, const std::vector<FileAnalysis>& files,
                const ScanAnalysis& scan);
void write_csv(std::ostream& out, const std::vector<FileAnalysis>& files, const ScanAnalysis& scan);
// Stores a file's results (and the scan's crossings) in its /analysis group, replacing the
// values of an earlier analysis. Throws IoError when the file cannot be written.
void store_analysis(const FileAnalysis& file, const ScanAnalysis& scan);

enum class Format { table, json, csv };

struct Request {
    std::vector<std::string> files;
    Options options;
    Format format = Format::table;
    bool write = false;
};

// The command: reads and analyses every file; when any is unusable, throws one InputError that
// lists every unusable file and its problem, before anything is printed or written.
void run_analyze(const Request& request, std::ostream& out, std::ostream& log);

} // namespace ssbsim::analysis
