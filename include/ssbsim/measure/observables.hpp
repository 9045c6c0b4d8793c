// What is measured on a configuration, defined once: the table of observables (name, shape,
// units, description) that the HDF5 writer, `ssbsim info`, `ssbsim analyze` and the docs read,
// and the fused one-pass measurement that fills a record in the same order. Sums go through the
// fixed-order reduction, so a record has the same bits for any thread count. The pass gathers
// slice sums Φ_μ(t) = Σ_{x: x_μ = t} φ_x along every axis; correlators and structure factors
// come from them in O(d L²), so a measurement costs O(V + d L²), never O(V²).
// Definitions and conventions: docs/analysis.md. Tested by test_observables.
#pragma once

#include "ssbsim/dynamics/dynamics.hpp"
#include "ssbsim/measure/autocorrelation.hpp"
#include "ssbsim/physics/domain.hpp"
#include "ssbsim/physics/field.hpp"
#include "ssbsim/physics/lattice.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <vector>

namespace ssbsim {

// Shape of one observable within a record (and of one row of its dataset).
enum class Shape {
    scalar,        // []
    components,    // [N]
    axes,          // [d], one value per lattice axis
    axes_by_extent // [d, L_max], per axis a function of the distance t = 0..L_μ-1 (NaN beyond)
};

enum class Kind {
    measured,  // a function of the field, finite for every finite field
    partial,   // a function of the field that may legitimately be NaN (documented in its
               // description): an estimate that does not exist for this configuration
    parameter, // a parameter in force at the measurement (schedule value), not measured
};

struct ObservableSpec {
    const char* name;
    Shape shape;
    const char* units;
    const char* description;
    Kind kind = Kind::measured;
};

// Every per-record observable in output order (datasets /observables/<name>). The observables
// whose shape depends on the lattice (Shape::axes, axes_by_extent) come last, so the offsets of
// all others depend on N alone.
std::span<const ObservableSpec> observable_specs();

// Markdown table of observable_specs() (docs/observables.md, `ssbsim observables`).
void print_observables(std::ostream& out);

// Sizes a record needs beyond N: the number of axes d and the largest extent L_max.
struct RecordLayout {
    int components = 1;
    int axes = 0;
    int max_extent = 0;

    RecordLayout(const Lattice& lattice, int components);
    // Without the lattice: valid for the observables that precede the first lattice-shaped one;
    // asking for the width of a lattice-shaped one throws std::logic_error.
    explicit RecordLayout(int components) : components(components) {}

    std::vector<std::uint64_t> row_shape(const ObservableSpec& spec) const;
    int width(const ObservableSpec& spec) const; // product of row_shape
};

// Offset of an observable in a flattened record; throws std::out_of_range for unknown names.
int record_offset(const char* name, const RecordLayout& layout);
// Same for callers that know only N (observables before the lattice-shaped ones).
int record_offset(const char* name, int components);
int record_size(const RecordLayout& layout);

// Name of the first observable of the record that is not finite although it must be (all but
// the Kind::partial ones); nullptr if there is none. This is the divergence check of a run.
const char* nonfinite_observable(std::span<const double> record, const RecordLayout& layout);

// What the measurement of a lattice prepares once: the FFT plans of the time-slice correlators
// of its long axes (planning costs more than a transform; short axes use direct sums) and the
// phases of the lowest momentum of every axis.
class MeasurePlans {
  public:
    explicit MeasurePlans(const Lattice& lattice);
    // The plan of axis mu, or nullptr for a short axis.
    const Autocorrelation* axis(int mu) const;
    // cos and sin of 2π t / L_mu, t = 0..L_mu-1.
    std::span<const double> cos_kmin(int mu) const { return cos_.at(static_cast<std::size_t>(mu)); }
    std::span<const double> sin_kmin(int mu) const { return sin_.at(static_cast<std::size_t>(mu)); }

  private:
    std::vector<std::optional<Autocorrelation>> axes_;
    std::vector<std::vector<double>> cos_, sin_;
};

// One record: every observable of observable_specs() in order, innermost index fastest. phi is
// this rank's part of the field (a Lattice is a Domain holding all of it); every rank gets the
// record of the whole lattice, with the bits of one process. plans: of domain.whole().
std::vector<double> measure(const Domain& domain, const Field& phi, const StepParams& params,
                            const MeasurePlans& plans);
// The same with plans made for this one measurement.
std::vector<double> measure(const Domain& domain, const Field& phi, const StepParams& params);

// ξ₂² from S(0) and S(k_min e_μ) per axis (the small-k form S(0)/S(k) = 1 + ξ² k̂², k̂² =
// 4 sin²(π/L_μ), combined over the periodic axes as Σ_μ (S(0) − S_μ) / Σ_μ k̂_μ² S_μ, which is the
// axis-averaged S(k_min) when all periodic extents agree). NaN when no axis is periodic or the
// denominator is not positive; may be negative (S(0) < S(k_min)).
double second_moment_xi_squared(double s0, std::span<const double> s_kmin,
                                std::span<const std::int64_t> extents,
                                std::span<const Boundary> boundary);
// √ξ₂² where ξ₂² > 0, else NaN (no correlation length can be quoted).
double second_moment_xi(double s0, std::span<const double> s_kmin,
                        std::span<const std::int64_t> extents, std::span<const Boundary> boundary);

} // namespace ssbsim
