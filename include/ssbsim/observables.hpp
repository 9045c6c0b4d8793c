// What is measured on a configuration, defined once: the table of observables (name, width,
// units, description) that the HDF5 writer, `ssbsim info` and the docs read, and the fused
// one-pass measurement that fills a record in the same order. Sums go through the fixed-order
// reduction, so a record has the same bits for any thread count. Tested by test_observables.
#pragma once

#include "ssbsim/dynamics.hpp"
#include "ssbsim/field.hpp"
#include "ssbsim/lattice.hpp"

#include <span>
#include <vector>

namespace ssbsim {

enum class Width { scalar, components };

struct ObservableSpec {
    const char* name;
    Width width;
    const char* units;
    const char* description;
};

// Every per-record observable in output order (datasets /observables/<name>).
std::span<const ObservableSpec> observable_specs();

int width_of(const ObservableSpec& spec, int components);
// Offset of an observable in a flattened record; throws std::out_of_range for unknown names.
int record_offset(const char* name, int components);
int record_size(int components);

// One record: every observable of observable_specs() in order, components innermost.
std::vector<double> measure(const Lattice& lattice, const Field& phi, const StepParams& params);

} // namespace ssbsim
