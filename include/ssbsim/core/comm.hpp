// The MPI ranks of a run: the session (MPI_Init_thread, FUNNELED: only the thread that started
// OpenMP's regions calls MPI), the Communicator value (rank, size) and the deterministic
// reductions over ranks. No floating-point sum ever goes through MPI_Reduce or MPI_Allreduce,
// whose order is unspecified: partial sums are formed per global row group, exactly as one
// process forms them (core/parallel.hpp), gathered in rank order and added in global order, so
// R ranks give the bits of one. Built without MPI (SSBSIM_MPI off) a Communicator is always one
// rank. Tested by test_comm (and, under mpirun, by test_mpi's runs with 1, 2 and 3 ranks).
#pragma once

#include "ssbsim/core/parallel.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ssbsim {

// MPI for the life of main(): initialised with thread level FUNNELED (OpenMP threads inside each
// rank; MPI called only outside parallel regions), finalised on destruction. Initialised only
// when an MPI launcher started the program (mpirun, srun) or SSBSIM_MPI_INIT=1 asks for an MPI
// singleton; otherwise the program is one rank without MPI, as it always was.
class MpiSession {
  public:
    MpiSession(int& argc, char**& argv);
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
};

// A pending non-blocking transfer (halo exchange); wait() completes it, the destructor too.
class Request {
  public:
    Request() = default;
    Request(Request&& other) noexcept;
    Request& operator=(Request&& other) noexcept;
    ~Request();
    void wait();

  private:
    friend class Communicator;
    void* handle_ = nullptr; // an MPI_Request, owned
};

// The ranks of a run. world() is every rank of mpirun (one without MPI or mpirun); serial() is
// this process alone, for work that is not split (tests, tools). Cheap to copy.
class Communicator {
  public:
    static Communicator world();
    static Communicator serial() { return Communicator(); }

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool root() const { return rank_ == 0; }
    bool split() const { return size_ > 1; }

    void barrier() const;
    // Every rank's value, in rank order (no arithmetic in MPI).
    std::vector<double> all_gather(double value) const;
    std::vector<std::int64_t> all_gather(std::int64_t value) const;
    // Exact reductions, any order gives the same result.
    double max(double value) const;
    bool any(bool value) const;
    // The root's values on every rank.
    void broadcast(std::span<double> values) const;
    void broadcast(std::span<std::int64_t> values) const;
    // Rank `from`'s text on every rank (error messages).
    void broadcast(std::string& text, int from) const;
    // Ends every rank of the run with `status` (MPI_Abort): for an error only this rank met,
    // which the others, waiting in a collective, would never learn of. Returns without MPI.
    void abort(int status) const;
    // The concatenation of every rank's `mine`, in rank order, on the root (empty elsewhere).
    std::vector<double> gather(std::span<const double> mine) const;

    // Point to point (halo exchange, the carry of a row group cut by a rank boundary).
    Request isend(std::span<const double> data, int to, int tag) const;
    Request irecv(std::span<double> data, int from, int tag) const;
    void send(std::span<const double> data, int to, int tag) const;
    void recv(std::span<double> data, int from, int tag) const;

  private:
    Communicator() = default;
    int rank_ = 0;
    int size_ = 1;
    bool mpi_ = false; // an MPI communicator (MPI_COMM_WORLD) rather than this process alone
};

// A guard on work that must end in time: if it is still running `seconds` after the guard was
// made, on_timeout runs on a thread of its own (and is expected to end the process). For the
// collective calls of parallel HDF5: an I/O error that one rank meets inside one of them leaves
// the ranks in different collectives, each waiting for the others forever. Destroying the
// guard (the work finished) stops the watch.
class Deadline {
  public:
    Deadline(double seconds, std::function<void()> on_timeout);
    ~Deadline();
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;

  private:
    struct Watch;
    std::unique_ptr<Watch> watch_;
};

// The rows of a lattice one rank holds: global rows [first, first + count) of `rows`, stored
// at local rows [local_first, local_first + count) of its memory (behind halo rows).
struct RowSlab {
    std::int64_t rows = 0;
    std::int64_t first = 0;
    std::int64_t count = 0;
    std::int64_t local_first = 0;

    static RowSlab whole(std::int64_t rows) { return {rows, 0, rows, 0}; }
};

// sum_over_row_groups_with (core/parallel.hpp) over the rows of every rank: the same groups of
// global rows, each summed row by row in order, the group sums added in group order, so the
// result has the bits of one process holding the whole lattice, for any number of ranks and
// threads. group_sums(first, last, out, scratch) gets local rows; out holds the running sum of
// the group (zero at its first row, or the sum of its rows on the rank before when a rank
// boundary cuts the group: that carry is passed along the ranks). Every rank gets the total.
template <class MakeScratch, class GroupSums>
std::vector<double> sum_over_row_groups_with(const Communicator& comm, const RowSlab& slab,
                                             std::int64_t row_length, std::int64_t k,
                                             MakeScratch&& make_scratch, GroupSums&& group_sums) {
    if (!comm.split())
        return sum_over_row_groups_with(
            slab.rows, row_length, k, make_scratch,
            [&](std::int64_t first, std::int64_t last, double* out, auto& scratch) {
                group_sums(first + slab.local_first, last + slab.local_first, out, scratch);
            });
    const RowGroups groups(slab.rows, k);
    const std::int64_t end = slab.first + slab.count;
    const std::int64_t g0 = slab.first / groups.rows_per_group;
    const std::int64_t g1 = (end - 1) / groups.rows_per_group;
    const std::int64_t n = g1 - g0 + 1;
    const bool carried_in = g0 * groups.rows_per_group < slab.first;
    const bool carried_out = end < slab.rows && (g1 + 1) * groups.rows_per_group > end;
    std::vector<double> partial(static_cast<std::size_t>(n * k), 0.0);
    auto sum_group = [&](std::int64_t i, auto& scratch) {
        const std::int64_t g = g0 + i;
        const std::int64_t lo = std::max(g * groups.rows_per_group, slab.first);
        const std::int64_t hi = std::min((g + 1) * groups.rows_per_group, end);
        group_sums(lo - slab.first + slab.local_first, hi - slab.first + slab.local_first,
                   partial.data() + i * k, scratch);
    };
#pragma omp parallel if (go_parallel(slab.count, row_length))
    {
        auto scratch = make_scratch();
#pragma omp for schedule(static)
        for (std::int64_t i = carried_in ? 1 : 0; i < n; ++i)
            sum_group(i, scratch);
    }
    const std::span<double> first_group(partial.data(), static_cast<std::size_t>(k));
    const std::span<double> last_group(partial.data() + (n - 1) * k, static_cast<std::size_t>(k));
    if (carried_in) { // continue the group the rank before began, from its running sum
        comm.recv(first_group, comm.rank() - 1, 0);
        auto scratch = make_scratch();
        sum_group(0, scratch);
    }
    if (carried_out) comm.send(last_group, comm.rank() + 1, 0);
    // The groups that end on this rank, gathered in rank (= group) order and added in order.
    const std::vector<double> all = comm.gather(std::span<const double>(
        partial.data(), static_cast<std::size_t>((carried_out ? n - 1 : n) * k)));
    std::vector<double> total(static_cast<std::size_t>(k), 0.0);
    if (comm.root()) {
        std::copy(all.begin(), all.begin() + k, total.begin());
        for (std::int64_t g = 1; g < groups.count; ++g) {
            const double* out = all.data() + g * k;
#pragma omp simd
            for (std::int64_t j = 0; j < k; ++j)
                total[j] += out[j];
        }
    }
    comm.broadcast(total);
    return total;
}

// sum_over_rows over the rows of every rank (row_sums gets local rows): the bits of one process.
template <class RowSums>
std::vector<double> sum_over_rows(const Communicator& comm, const RowSlab& slab,
                                  std::int64_t row_length, int k, RowSums&& row_sums) {
    return sum_over_row_groups_with(
        comm, slab, row_length, k, [] { return 0; },
        [&](std::int64_t first, std::int64_t last, double* out, int&) {
            for (std::int64_t r = first; r < last; ++r)
                row_sums(r, out);
        });
}

} // namespace ssbsim
