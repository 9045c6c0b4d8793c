// `ssbsim bench`: how fast the kernels run on this machine and how close they come to its
// limits. In one process it measures the memory bandwidth (a STREAM triad on arrays larger than
// the last-level cache), the noise generator alone, every dynamics method and the measurement
// (median and spread over repetitions), and relates each step rate to the bandwidth roofline
// (compulsory bytes per site-update, stated per method) and to the noise-only rate, for 1 → max
// threads. Speed is reported, never asserted: no test times anything. The options are checked
// by the command line; docs/performance.md shows a run and how to reproduce it.
#pragma once

#include "ssbsim/deck/config.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ssbsim {

// Every method of the registry (dynamics/methods.hpp), in its order.
std::vector<Method> every_method();

struct BenchOptions {
    std::vector<std::int64_t> lattice{2048, 2048};      // the main case
    std::vector<std::int64_t> lattice3d{160, 160, 160}; // a 3D case; empty: skipped
    int components = 1;
    std::vector<Method> methods = every_method(); // default: the whole method registry
    int reps = 5;                                 // repetitions per figure (the median is reported)
    double rep_seconds = 0.25;                    // minimum duration of one repetition
    int threads = 0;     // maximum thread count; 0: OpenMP's default (OMP_NUM_THREADS)
    bool scaling = true; // also run 1, 2, 4, ... threads up to the maximum
};

// Median and spread of a rate over the repetitions.
struct Rate {
    double median = 0.0, min = 0.0, max = 0.0;
};

struct MethodFigure {
    std::string method;
    Rate rate;                      // site-updates per second (accepted steps × V)
    double bytes_per_site = 0.0;    // compulsory memory traffic per site-update assumed
    double noise_draws = 0.0;       // Gaussian fills per site-update (per component)
    double roofline_fraction = 0.0; // rate × bytes / bandwidth
    double noise_fraction = 0.0;    // time of the noise alone / time of the step (0: no noise)
};

struct CaseFigures {
    std::vector<std::int64_t> lattice;
    int threads = 0;
    std::vector<MethodFigure> methods;
    Rate measure;                  // sites per second of one full measurement
    double measure_every_10 = 0.0; // cost of measuring every 10 langevin steps, fraction of run
    double halo_seconds = 0.0;     // under mpirun: one halo exchange of the field (0: one rank)
};

struct ScalingPoint {
    int threads = 0;
    Rate bandwidth; // bytes/s, STREAM convention (24 bytes per triad iteration)
    Rate noise;     // Gaussian variates per second
    Rate langevin;  // site-updates per second, main lattice
    Rate flow;
};

struct BenchReport {
    std::string cpu, compiler, build;
    double load_before = 0.0, load_after = 0.0; // 1-minute load average
    int max_threads = 0;
    int ranks = 1;                // MPI ranks the lattices are split over (under mpirun)
    std::int64_t triad_bytes = 0; // size of the three triad arrays together
    Rate bandwidth;               // at max threads
    Rate noise;                   // at max threads
    std::vector<CaseFigures> cases;
    std::vector<ScalingPoint> scaling;
};

// Runs everything asked for; `progress` gets one line per figure as it is measured.
BenchReport run_bench(const BenchOptions& options, std::ostream& progress);

void print_bench(const BenchReport& report, std::ostream& out);
void print_bench_json(const BenchReport& report, std::ostream& out);

// "2048x2048" → {2048, 2048}; throws InputError naming the option on anything else.
std::vector<std::int64_t> parse_extents(const std::string& text, const std::string& option);
// "langevin,flow" → the methods (deck names); throws InputError on an unknown name.
std::vector<Method> parse_methods(const std::string& text);

} // namespace ssbsim
