#include "ssbsim/app/bench.hpp"

#include "ssbsim/core/comm.hpp"
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/parallel.hpp"
#include "ssbsim/dynamics/dynamics.hpp"
#include "ssbsim/dynamics/methods.hpp"
#include "ssbsim/io/json.hpp"
#include "ssbsim/measure/observables.hpp"
#include "ssbsim/physics/action.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/force.hpp"
#include "ssbsim/physics/lattice.hpp"
#include "ssbsim/physics/rng.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <memory>
#include <omp.h>
#include <ostream>
#include <sstream>

namespace ssbsim {

namespace {

using Clock = std::chrono::steady_clock;

// Name, bytes per site-update and noise draws of each method: its row in the method registry
// (dynamics/methods.hpp), where the memory traffic is derived.
std::string name_of(Method m) {
    return std::string(method_spec(m).name);
}

double bytes_per_site(Method m) {
    return method_spec(m).bytes_per_site;
}

double noise_draws(Method m) {
    return method_spec(m).noise_draws;
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

Rate summarise(std::vector<double> rates) {
    std::sort(rates.begin(), rates.end());
    const std::size_t n = rates.size();
    const double median = n % 2 ? rates[n / 2] : 0.5 * (rates[n / 2 - 1] + rates[n / 2]);
    return {median, rates.front(), rates.back()};
}

// Rate of work(k), which performs k iterations of `units` each: k is calibrated so that one
// repetition lasts at least rep_seconds; the median over reps repetitions is reported.
template <class Work>
Rate time_rate(const BenchOptions& o, double units, Work&& work) {
    auto t0 = Clock::now();
    work(1); // warm-up (caches, page tables, thread team) and calibration
    const double once = std::max(seconds_since(t0), 1e-9);
    const auto k = static_cast<std::int64_t>(std::ceil(o.rep_seconds / once));
    std::vector<double> rates;
    for (int r = 0; r < o.reps; ++r) {
        t0 = Clock::now();
        work(k);
        rates.push_back(static_cast<double>(k) * units / seconds_since(t0));
    }
    return summarise(std::move(rates));
}

double load_average() {
    std::ifstream in("/proc/loadavg");
    double load = -1.0;
    in >> load;
    return in ? load : -1.0;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

std::string build_description() {
    std::string s;
#if defined(__AVX512F__)
    s += "AVX-512";
#elif defined(__AVX2__)
    s += "AVX2";
#else
    s += "no AVX2/AVX-512";
#endif
#if defined(__NO_MATH_ERRNO__)
    s += ", -fno-math-errno";
#else
    // Without it GCC cannot vectorise sqrt, so the Box-Muller loop runs scalar.
    s += ", WITHOUT -fno-math-errno (noise not vectorised)";
#endif
#if defined(NDEBUG)
    s += ", NDEBUG";
#endif
    return s;
}

// STREAM triad a = b + s c on three arrays of 64 MiB each (twice the 32 MiB L3 of the reference
// machine, so every pass goes to memory). The arrays are Fields, so they are allocated, paged
// (huge pages) and first-touched exactly like the simulation's fields, and their rows are
// distributed over the threads as in a sweep.
class Triad {
  public:
    static constexpr std::int64_t row = 4096;
    static constexpr std::int64_t rows = 2048;
    static constexpr std::int64_t n = rows * row; // doubles per array

    Triad() {
        double *a = a_.component(0), *b = b_.component(0), *c = c_.component(0);
        for_each_row(rows, row, [=](std::int64_t r) {
            for (std::int64_t i = r * row; i < (r + 1) * row; ++i)
                a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
        });
    }

    void run(std::int64_t times) {
        double* __restrict a = a_.component(0);
        const double* __restrict b = b_.component(0);
        const double* __restrict c = c_.component(0);
        for (std::int64_t k = 0; k < times; ++k)
            for_each_row(rows, row, [=](std::int64_t r) {
#pragma omp simd
                for (std::int64_t i = r * row; i < (r + 1) * row; ++i)
                    a[i] = b[i] + 3.0 * c[i];
            });
    }

    static constexpr std::int64_t bytes_per_pass = 3 * n * sizeof(double);

  private:
    static Lattice shape() {
        return Lattice({rows, row}, {Boundary::periodic, Boundary::periodic});
    }
    Field a_{shape(), 1}, b_{shape(), 1}, c_{shape(), 1};
};

// The noise of a whole lattice exactly as a Langevin sweep draws it (per thread, tile by tile
// into an L1 buffer), without the field.
void noise_sweeps(const Lattice& lattice, int components, std::int64_t times) {
    const std::int64_t len = lattice.row_length();
    for (std::int64_t k = 0; k < times; ++k)
        for_each_row_with(
            lattice.rows(), len, [&] { return TileScratch(components); },
            [&](std::int64_t row, TileScratch& s) {
                for_each_tile(len, [&](std::int64_t i0, std::int64_t i1) {
                    for (int a = 0; a < components; ++a)
                        fill_gaussian({1, 0}, Stream::dynamics, static_cast<std::uint64_t>(k), a,
                                      row * len + i0, i1 - i0, s.noise_of(a));
                });
            });
}

// The action the NumPy peer uses (J = 1, m² = −1, λ = 1, h = 0), ε = 0.01, T = 1.
ActionParams bench_action(int dims, int components) {
    ActionParams p;
    p.m2 = -1.0;
    p.lambda = 1.0;
    for (int mu = 0; mu < dims; ++mu)
        p.coupling[mu] = 1.0;
    p.h.assign(static_cast<std::size_t>(components), 0.0);
    return p;
}
constexpr double bench_eps = 0.01, bench_temperature = 1.0, bench_tolerance = 1e-4;

// time_rate over the ranks of a split lattice: every rank runs the same k (the calibration's
// slowest rank decides), and a repetition lasts as long as its slowest rank.
template <class Work>
Rate time_rate(const BenchOptions& o, const Communicator& comm, double units, Work&& work) {
    if (!comm.split()) return time_rate(o, units, work);
    comm.barrier();
    auto t0 = Clock::now();
    work(1);
    const double once = std::max(comm.max(seconds_since(t0)), 1e-9);
    const auto k = static_cast<std::int64_t>(std::ceil(o.rep_seconds / once));
    std::vector<double> rates;
    for (int r = 0; r < o.reps; ++r) {
        comm.barrier();
        t0 = Clock::now();
        work(k);
        rates.push_back(static_cast<double>(k) * units / comm.max(seconds_since(t0)));
    }
    return summarise(std::move(rates));
}

Field hot_field(const Lattice& lattice, int components) {
    Field phi(lattice, components);
    const std::int64_t len = lattice.row_length();
    for_each_row(lattice.rows(), len, [&](std::int64_t row) {
        for (int a = 0; a < components; ++a)
            fill_gaussian({7, 0}, Stream::init, 0, a, row * len, len, phi.component(a) + row * len);
    });
    return phi;
}

// Split over the ranks of mpirun, each rank steps its slab (random values: the rate does not
// depend on them) and the rate is the whole lattice's.
Rate method_rate(const BenchOptions& o, const Lattice& lattice, Method method) {
    const int n = o.components;
    const Domain domain(lattice, Communicator::world());
    Field phi = hot_field(domain.local(), n);
    DynamicsConfig dynamics;
    dynamics.method = method;
    dynamics.tolerance = bench_tolerance;
    dynamics.hmc_steps = 1; // a trajectory of one leapfrog step: rates comparable per step
    const auto integrator = make_integrator(dynamics, domain, n);
    Field momentum(domain.local(), n); // used by method = momentum only
    ForceCache force_cache;            // likewise
    const ActionParams p = bench_action(lattice.dims(), n);
    std::uint64_t step = 0;
    double eps = bench_eps;
    // flow_adaptive retries rejected attempts inside advance(): its rate counts accepted steps.
    auto steps = [&](std::int64_t k) {
        for (std::int64_t i = 0; i < k; ++i) {
            const StepResult r =
                integrator->advance(phi, StepInput{p, eps, bench_temperature, step++,
                                                   NoiseKey{1, 0}, &momentum, &force_cache});
            eps = r.next_eps;
        }
    };
    return time_rate(o, domain.comm(), static_cast<double>(lattice.volume()), steps);
}

// Split over ranks: seconds per halo exchange of a one-component field (what a langevin step
// does once; the sweep overlaps it with the interior rows); 0 on one rank.
double halo_seconds(const BenchOptions& o, const Lattice& lattice) {
    const Domain domain(lattice, Communicator::world());
    if (!domain.split()) return 0.0;
    const Field phi = hot_field(domain.local(), o.components);
    const Rate r = time_rate(o, domain.comm(), 1.0, [&](std::int64_t k) {
        for (std::int64_t i = 0; i < k; ++i)
            domain.exchange_halos(phi);
    });
    return 1.0 / r.median;
}

Rate measure_rate(const BenchOptions& o, const Lattice& whole) {
    const Domain lattice(whole, Communicator::world());
    const Field phi = hot_field(lattice.local(), o.components);
    StepParams params;
    params.action = bench_action(whole.dims(), o.components);
    params.eps = bench_eps;
    params.temperature = bench_temperature;
    const MeasurePlans plans(whole); // made once per run, as by a simulation
    double sink = 0.0;
    const Rate r =
        time_rate(o, lattice.comm(), static_cast<double>(whole.volume()), [&](std::int64_t k) {
            for (std::int64_t i = 0; i < k; ++i)
                sink += measure(lattice, phi, params, plans).front();
        });
    if (!std::isfinite(sink)) throw std::runtime_error("bench: measurement is not finite");
    return r;
}

std::string extents_text(const std::vector<std::int64_t>& e) {
    std::string s;
    for (std::size_t i = 0; i < e.size(); ++i)
        s += (i ? "x" : "") + std::to_string(e[i]);
    return s;
}

Lattice periodic_lattice(const std::vector<std::int64_t>& extents) {
    return Lattice(extents, std::vector<Boundary>(extents.size(), Boundary::periodic));
}

std::string fmt(double x, int precision = 1) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(precision) << x;
    return s.str();
}

std::string mega(const Rate& r) {
    return fmt(r.median / 1e6) + " [" + fmt(r.min / 1e6) + ", " + fmt(r.max / 1e6) + "]";
}

std::string giga(const Rate& r) {
    return fmt(r.median / 1e9, 2) + " [" + fmt(r.min / 1e9, 2) + ", " + fmt(r.max / 1e9, 2) + "]";
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

Json json_rate(const Rate& r) {
    Json j;
    j["median"] = json_number(r.median);
    j["min"] = json_number(r.min);
    j["max"] = json_number(r.max);
    return j;
}

} // namespace

std::vector<std::int64_t> parse_extents(const std::string& text, const std::string& option) {
    std::vector<std::int64_t> out;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, 'x')) {
        std::size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size() || part.empty() || v < 2)
            throw InputError(option + " = '" + text +
                             "': expected extents >= 2 joined by 'x', e.g. 2048x2048");
        out.push_back(v);
    }
    if (out.empty() || out.size() > static_cast<std::size_t>(max_dims))
        throw InputError(option + " = '" + text + "': expected 1 to " + std::to_string(max_dims) +
                         " extents joined by 'x', e.g. 2048x2048");
    return out;
}

std::vector<Method> every_method() {
    std::vector<Method> out;
    for (const MethodSpec& m : method_table())
        out.push_back(m.method);
    return out;
}

std::vector<Method> parse_methods(const std::string& text) {
    std::vector<Method> out;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        const MethodSpec* m = find_method(part);
        if (!m) {
            std::string all;
            for (std::string_view name : method_names())
                all += (all.empty() ? "" : ", ") + std::string(name);
            throw InputError("--methods: unknown method '" + part + "' (" + all + ")");
        }
        out.push_back(m->method);
    }
    if (out.empty()) throw InputError("--methods: name at least one method");
    return out;
}

BenchReport run_bench(const BenchOptions& o, std::ostream& progress) {
    if (o.reps < 1) throw InputError("--reps must be at least 1");
    if (o.components < 1) throw InputError("--components must be at least 1");
    if (o.threads < 0) throw InputError("--threads must be at least 1");
    const int initial_threads = omp_get_max_threads();
    BenchReport rep;
    rep.cpu = cpu_model();
    rep.compiler = std::string("g++ ") + __VERSION__;
    rep.build = build_description();
    rep.max_threads = o.threads > 0 ? o.threads : initial_threads;
    rep.ranks = Communicator::world().size();
    rep.load_before = load_average();
    rep.triad_bytes = Triad::bytes_per_pass;

    const Lattice main_lattice = periodic_lattice(o.lattice);
    std::vector<int> counts;
    if (o.scaling)
        for (int t = 1; t < rep.max_threads; t *= 2)
            counts.push_back(t);
    counts.push_back(rep.max_threads);

    {
        Triad triad;
        for (int t : counts) {
            omp_set_num_threads(t);
            ScalingPoint s;
            s.threads = t;
            s.bandwidth = time_rate(o, static_cast<double>(Triad::bytes_per_pass),
                                    [&](std::int64_t k) { triad.run(k); });
            progress << "bandwidth, " << t << " threads: " << giga(s.bandwidth) << " GB/s\n";
            s.noise =
                time_rate(o, static_cast<double>(main_lattice.volume() * o.components),
                          [&](std::int64_t k) { noise_sweeps(main_lattice, o.components, k); });
            progress << "noise alone, " << t << " threads: " << mega(s.noise) << " M/s\n";
            rep.scaling.push_back(s);
        }
    }
    rep.bandwidth = rep.scaling.back().bandwidth;
    rep.noise = rep.scaling.back().noise;

    omp_set_num_threads(rep.max_threads);
    std::vector<std::vector<std::int64_t>> lattices{o.lattice};
    if (!o.lattice3d.empty()) lattices.push_back(o.lattice3d);
    for (const auto& extents : lattices) {
        const Lattice lattice = periodic_lattice(extents);
        CaseFigures c;
        c.lattice = extents;
        c.threads = rep.max_threads;
        // The noise-only rate of this lattice (the tiles of a short row cost more per site).
        const Rate noise =
            &extents == &lattices.front()
                ? rep.noise
                : time_rate(o, static_cast<double>(lattice.volume() * o.components),
                            [&](std::int64_t k) { noise_sweeps(lattice, o.components, k); });
        double langevin_rate = 0.0;
        for (Method m : o.methods) {
            // One rank only: hmc, mala (Metropolis sums) and the Fourier methods (no transpose
            // yet).
            if (rep.ranks > 1 && (method_spec(m).exact || method_spec(m).fourier)) continue;
            MethodFigure f;
            f.method = name_of(m);
            f.rate = method_rate(o, lattice, m);
            f.bytes_per_site = bytes_per_site(m) * o.components;
            f.noise_draws = noise_draws(m);
            f.roofline_fraction = f.rate.median * f.bytes_per_site / rep.bandwidth.median;
            f.noise_fraction = f.noise_draws * f.rate.median * o.components / noise.median;
            if (m == Method::langevin) langevin_rate = f.rate.median;
            progress << extents_text(extents) << " " << f.method << ": " << mega(f.rate)
                     << " M site-updates/s\n";
            c.methods.push_back(f);
        }
        c.measure = measure_rate(o, lattice);
        c.halo_seconds = halo_seconds(o, lattice);
        if (c.halo_seconds > 0.0)
            progress << extents_text(extents) << " halo exchange: " << fmt(1e6 * c.halo_seconds)
                     << " us\n";
        if (langevin_rate > 0.0) {
            const double t_measure = 1.0 / c.measure.median, t_step = 1.0 / langevin_rate;
            c.measure_every_10 = t_measure / (10.0 * t_step + t_measure);
        }
        progress << extents_text(extents) << " measurement: " << mega(c.measure) << " M sites/s\n";
        rep.cases.push_back(std::move(c));
    }

    if (o.scaling) {
        for (ScalingPoint& s : rep.scaling) {
            omp_set_num_threads(s.threads);
            s.langevin = method_rate(o, main_lattice, Method::langevin);
            s.flow = method_rate(o, main_lattice, Method::flow);
            progress << "scaling, " << s.threads << " threads: langevin " << mega(s.langevin)
                     << ", flow " << mega(s.flow) << " M site-updates/s\n";
        }
    }
    omp_set_num_threads(initial_threads);
    rep.load_after = load_average();
    return rep;
}

double langevin_rate_of(const CaseFigures& c) {
    for (const MethodFigure& f : c.methods)
        if (f.method == "langevin") return f.rate.median;
    return 0.0;
}

std::int64_t volume_of(const std::vector<std::int64_t>& extents) {
    std::int64_t v = 1;
    for (std::int64_t e : extents)
        v *= e;
    return v;
}

void print_bench(const BenchReport& r, std::ostream& out) {
    out << "ssbsim bench: " << r.cpu << ", " << r.max_threads << " threads"
        << (r.ranks > 1 ? " x " + std::to_string(r.ranks) + " MPI ranks" : std::string()) << ", "
        << r.compiler << "\n  build: " << r.build << "\n  load average (1 min) "
        << fmt(r.load_before, 2) << " before, " << fmt(r.load_after, 2)
        << " after: other processes on the machine lower every figure\n"
        << "  figures are medians [min, max] over the repetitions\n\n";
    out << "memory bandwidth, STREAM triad on 3 x " << r.triad_bytes / 3 / (1 << 20)
        << " MiB (24 B per iteration, write-allocate not counted): " << giga(r.bandwidth)
        << " GB/s\n";
    out << "noise alone (Philox4x32-10 + Box-Muller into L1, as a sweep draws it): "
        << mega(r.noise) << " M variates/s\n";
    for (const CaseFigures& c : r.cases) {
        out << "\nlattice " << extents_text(c.lattice) << ", " << c.threads << " threads\n"
            << "  " << pad("method", 15) << pad("M site-updates/s", 26) << pad("B/site", 8)
            << pad("roofline", 10) << "noise share\n";
        for (const MethodFigure& f : c.methods) {
            out << "  " << pad(f.method, 15) << pad(mega(f.rate), 26)
                << pad(fmt(f.bytes_per_site, 0), 8)
                << pad(fmt(100.0 * f.roofline_fraction) + " %", 10)
                << (f.noise_draws > 0 ? fmt(100.0 * f.noise_fraction) + " %" : "-") << '\n';
        }
        if (r.ranks > 1)
            out << "  split over " << r.ranks << " MPI ranks (slabs of axis 1): halo exchange "
                << fmt(1e6 * c.halo_seconds) << " us per exchange (one per langevin step, "
                << "overlapped with the interior rows), "
                << fmt(100.0 * c.halo_seconds * langevin_rate_of(c) /
                       static_cast<double>(volume_of(c.lattice)))
                << " % of a langevin step if not overlapped\n";
        out << "  " << pad("measurement", 15) << mega(c.measure) << " M sites/s";
        if (c.measure_every_10 > 0.0)
            out << "; measuring every 10 langevin steps: " << fmt(100.0 * c.measure_every_10)
                << " % of the run";
        out << '\n';
        for (const MethodFigure& f : c.methods)
            if (f.method == "langevin")
                for (const MethodFigure& g : c.methods)
                    if (g.method != "langevin" && g.rate.median > 0.0)
                        out << "  time per step " << g.method
                            << " / langevin: " << fmt(f.rate.median / g.rate.median, 2) << '\n';
    }
    out << "\n  roofline = rate x B/site / bandwidth (B/site: compulsory traffic, see "
           "docs/performance.md);\n  noise share = time the noise alone takes / time of the "
           "step\n";
    if (r.scaling.size() > 1) {
        out << "\nthread scaling, lattice " << extents_text(r.cases.front().lattice) << '\n'
            << "  " << pad("threads", 9) << pad("bandwidth GB/s", 17) << pad("noise M/s", 12)
            << pad("langevin M/s", 22) << "flow M/s\n";
        const ScalingPoint& one = r.scaling.front();
        for (const ScalingPoint& s : r.scaling) {
            out << "  " << pad(std::to_string(s.threads), 9)
                << pad(fmt(s.bandwidth.median / 1e9, 2), 17) << pad(fmt(s.noise.median / 1e6), 12)
                << pad(fmt(s.langevin.median / 1e6) + " (x" +
                           fmt(s.langevin.median / one.langevin.median, 2) + ")",
                       22)
                << fmt(s.flow.median / 1e6) << " (x" << fmt(s.flow.median / one.flow.median, 2)
                << ")\n";
        }
    }
}

void print_bench_json(const BenchReport& r, std::ostream& out) {
    Json j;
    j["cpu"] = r.cpu;
    j["compiler"] = r.compiler;
    j["build"] = r.build;
    j["load_before"] = json_number(r.load_before);
    j["load_after"] = json_number(r.load_after);
    j["max_threads"] = r.max_threads;
    j["ranks"] = r.ranks;
    j["triad_bytes"] = r.triad_bytes;
    j["bandwidth_bytes_per_s"] = json_rate(r.bandwidth);
    j["noise_per_s"] = json_rate(r.noise);
    Json cases = Json::array();
    for (const CaseFigures& c : r.cases) {
        Json one;
        one["lattice"] = c.lattice;
        one["threads"] = c.threads;
        Json methods = Json::object();
        for (const MethodFigure& f : c.methods) {
            Json m;
            m["site_updates_per_s"] = json_rate(f.rate);
            m["bytes_per_site"] = json_number(f.bytes_per_site);
            m["roofline_fraction"] = json_number(f.roofline_fraction);
            m["noise_fraction"] = json_number(f.noise_fraction);
            methods[f.method] = m;
        }
        one["methods"] = methods;
        one["measure_sites_per_s"] = json_rate(c.measure);
        one["measure_every_10_fraction"] = json_number(c.measure_every_10);
        one["halo_exchange_s"] = json_number(c.halo_seconds);
        cases.push_back(one);
    }
    j["cases"] = cases;
    Json scaling = Json::array();
    for (const ScalingPoint& p : r.scaling) {
        Json one;
        one["threads"] = p.threads;
        one["bandwidth_bytes_per_s"] = json_rate(p.bandwidth);
        one["noise_per_s"] = json_rate(p.noise);
        one["langevin"] = json_rate(p.langevin);
        one["flow"] = json_rate(p.flow);
        scaling.push_back(one);
    }
    j["scaling"] = scaling;
    print_json(out, j);
}

} // namespace ssbsim
