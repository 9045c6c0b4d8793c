// All threading and every sum over the lattice go through this header. Work is split over rows
// (see lattice.hpp); sums are formed per fixed group of rows, in row order, and the group sums are
// added in group order, so a reduction gives the same bits for any number of threads (invariant 2
// of docs/DESIGN). No other file uses an OpenMP pragma over sites. Tested by the bitwise tests of
// test_dynamics (every method and the measurement give the same bits on 1 and 2 threads).
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

namespace ssbsim {

// Below this many sites a sweep runs on one thread: waking a team costs more than the work, and
// spinning threads on a busy machine cost far more. Results do not depend on it.
inline constexpr std::int64_t parallel_min_sites = 8192;

inline bool go_parallel(std::int64_t rows, std::int64_t row_length) {
    return rows > 1 && rows * row_length >= parallel_min_sites;
}

// Calls body(row) for every row in [0, rows), distributed statically over the OpenMP threads.
template <class Body>
void for_each_row(std::int64_t rows, std::int64_t row_length, Body&& body) {
#pragma omp parallel for schedule(static) if (go_parallel(rows, row_length))
    for (std::int64_t r = 0; r < rows; ++r)
        body(r);
}

// Calls body(i) for i in [0, n): independent tasks of task_sites sites each (the replicas of a
// lattice). Tasks too small to use the threads themselves (task_sites below parallel_min_sites)
// are spread over the threads when there is enough work in all; larger ones run one after the
// other, each parallel inside. An exception from a task is rethrown after the loop (the one of
// the lowest index), since none may leave an OpenMP region.
inline bool spreads_tasks(std::int64_t n, std::int64_t task_sites) {
    return task_sites < parallel_min_sites && go_parallel(n, task_sites);
}

template <class Body>
void for_each_task(std::int64_t n, std::int64_t task_sites, Body&& body) {
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
#pragma omp parallel for schedule(static) if (spreads_tasks(n, task_sites))
    for (std::int64_t i = 0; i < n; ++i) {
        try {
            body(i);
        } catch (...) {
            errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
    }
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
}

// As for_each_row, but each thread first builds its own scratch object (per-thread buffers
// allocated once per sweep, never per row).
template <class MakeScratch, class Body>
void for_each_row_with(std::int64_t rows, std::int64_t row_length, MakeScratch&& make_scratch,
                       Body&& body) {
#pragma omp parallel if (go_parallel(rows, row_length))
    {
        auto scratch = make_scratch();
#pragma omp for schedule(static)
        for (std::int64_t r = 0; r < rows; ++r)
            body(r, scratch);
    }
}

// Maximum of body(row) over all rows (exact, so any order gives the same result).
template <class Body>
double max_over_rows(std::int64_t rows, std::int64_t row_length, Body&& body) {
    double m = 0.0;
#pragma omp parallel for schedule(static) reduction(max : m) if (go_parallel(rows, row_length))
    for (std::int64_t r = 0; r < rows; ++r)
        m = std::max(m, body(r));
    return m;
}

// Sums of k quantities over all rows, handed to the caller one group of consecutive rows at a
// time: group_sums(first, last, out, scratch) adds the contributions of rows [first, last) to
// out[0..k) (zeroed before) in any fixed order of its choosing; scratch is a per-thread object
// from make_scratch(). The groups depend on (rows, k) alone and their sums are added in group
// order, so the result does not depend on the number of threads. A caller may keep state across
// the rows of a group, and k may be as large as a row (per-column sums along the rows): the
// partial sums take max_group_doubles doubles, or min_groups · k when that is more (enough
// groups for many threads), written by the thread that owns the group.
inline constexpr std::int64_t max_group_doubles = std::int64_t{1} << 17;
inline constexpr std::int64_t min_groups = 64;

// The groups of sum_over_row_groups_with: consecutive rows of the whole lattice, fixed by
// (rows, k) alone (core/comm.hpp forms the same groups when the rows are split over ranks).
struct RowGroups {
    std::int64_t rows_per_group;
    std::int64_t count;
    RowGroups(std::int64_t rows, std::int64_t k)
        : rows_per_group((rows + max_groups(k) - 1) / max_groups(k)),
          count((rows + rows_per_group - 1) / rows_per_group) {}
    static std::int64_t max_groups(std::int64_t k) {
        return std::max(min_groups, max_group_doubles / std::max<std::int64_t>(k, 1));
    }
};

template <class MakeScratch, class GroupSums>
std::vector<double> sum_over_row_groups_with(std::int64_t rows, std::int64_t row_length,
                                             std::int64_t k, MakeScratch&& make_scratch,
                                             GroupSums&& group_sums) {
    const RowGroups row_groups(rows, k);
    const std::int64_t rows_per_group = row_groups.rows_per_group;
    const std::int64_t groups = row_groups.count;
    // Not zeroed here: each group clears its own part, so the pages are first touched (and
    // cached) by the thread that fills them.
    const std::unique_ptr<double[]> partial(new double[static_cast<std::size_t>(groups * k)]);
#pragma omp parallel if (go_parallel(rows, row_length))
    {
        auto scratch = make_scratch();
#pragma omp for schedule(static)
        for (std::int64_t g = 0; g < groups; ++g) {
            double* out = partial.get() + g * k;
            std::fill(out, out + k, 0.0);
            group_sums(g * rows_per_group, std::min(rows, (g + 1) * rows_per_group), out, scratch);
        }
    }
    std::vector<double> total(partial.get(), partial.get() + k);
    for (std::int64_t g = 1; g < groups; ++g) {
        const double* out = partial.get() + g * k;
#pragma omp simd
        for (std::int64_t j = 0; j < k; ++j)
            total[j] += out[j];
    }
    return total;
}

// Sums of k quantities over all rows: row_sums(row, out) adds the row's contributions to
// out[0..k), rows in order within each group (sum_over_row_groups_with).
template <class RowSums>
std::vector<double> sum_over_rows(std::int64_t rows, std::int64_t row_length, int k,
                                  RowSums&& row_sums) {
    return sum_over_row_groups_with(
        rows, row_length, k, [] { return 0; },
        [&](std::int64_t first, std::int64_t last, double* out, int&) {
            for (std::int64_t r = first; r < last; ++r)
                row_sums(r, out);
        });
}

// Calls f(i, i mod 8) for i in [0, n): whole blocks of eight as one SIMD loop, then the rest.
// The lane j = i mod 8 is fixed by the index, not by memory alignment, so per-lane sums have
// bits that do not depend on where an array starts.
template <class F>
void for_each_lane(std::int64_t n, F&& f) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
#pragma omp simd
        for (int j = 0; j < 8; ++j)
            f(i + j, j);
    for (int j = 0; i < n; ++i, ++j)
        f(i, j);
}

// Eight partial sums of a per-site term, lane j taking the sites i = j (mod 8) (for_each_lane):
// the vectorised loop gets independent accumulators, combined in one fixed order, so the bits
// depend on the row alone, not on where it lives or which thread sums it.
struct Lanes {
    double v[8] = {};
    double total() const {
        return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
    }
};

// Fixed-lane sum of term(0..n).
template <class Term>
double lane_sum(std::int64_t n, Term&& term) {
    Lanes acc;
    for_each_lane(n, [&](std::int64_t i, int j) { acc.v[j] += term(i); });
    return acc.total();
}

} // namespace ssbsim
