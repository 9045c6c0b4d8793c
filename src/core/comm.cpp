#include "ssbsim/core/comm.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#if SSBSIM_MPI
#include <mpi.h>
#endif

namespace ssbsim {

struct Deadline::Watch {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    std::thread watcher;
};

Deadline::Deadline(double seconds, std::function<void()> on_timeout)
    : watch_(std::make_unique<Watch>()) {
    Watch* w = watch_.get();
    w->watcher = std::thread([w, seconds, on_timeout = std::move(on_timeout)] {
        std::unique_lock lock(w->mutex);
        const auto limit = std::chrono::duration<double>(seconds);
        if (!w->finished.wait_for(lock, limit, [w] { return w->done; })) on_timeout();
    });
}

Deadline::~Deadline() {
    {
        const std::lock_guard lock(watch_->mutex);
        watch_->done = true;
    }
    watch_->finished.notify_one();
    watch_->watcher.join();
}

#if SSBSIM_MPI

namespace {

// An MPI error is a broken run, not a user's mistake: MPI's message, as an exception.
void check(int code, const char* what) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(code, text, &len);
    throw std::runtime_error(std::string("MPI: ") + what + ": " + std::string(text, len));
}

bool mpi_running() {
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    return initialised && !finalised;
}

MPI_Request* request(void* handle) {
    return static_cast<MPI_Request*>(handle);
}

// Started by an MPI launcher (OpenMPI's mpirun, Hydra, or srun through PMI/PMIx), or asked to
// initialise anyway (SSBSIM_MPI_INIT=1: an MPI singleton). Without a launcher MPI is not
// initialised: the program is one rank either way, and a singleton's start-up costs ~0.5 s of
// every command (OpenMPI 4.1) for nothing.
bool wants_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
                             "MPI_LOCALNRANKS", "SSBSIM_MPI_INIT"})
        if (const char* v = std::getenv(name); v && *v) return true;
    return false;
}

} // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
    if (mpi_running() || !wants_mpi()) return;
    int provided = 0;
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as codes (check() turns them into exceptions) instead of aborting.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiSession::~MpiSession() {
    if (mpi_running()) MPI_Finalize();
}

Request::Request(Request&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Request& Request::operator=(Request&& other) noexcept {
    if (this != &other) {
        wait();
        handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
}

Request::~Request() {
    try {
        wait();
    } catch (...) { // a destructor must not throw; the transfer is abandoned
    }
}

void Request::wait() {
    if (!handle_) return;
    MPI_Request* r = request(handle_);
    handle_ = nullptr;
    const int code = MPI_Wait(r, MPI_STATUS_IGNORE);
    delete r;
    check(code, "MPI_Wait");
}

Communicator Communicator::world() {
    Communicator c;
    if (!mpi_running()) return c;
    MPI_Comm_rank(MPI_COMM_WORLD, &c.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &c.size_);
    c.mpi_ = true;
    return c;
}

void Communicator::barrier() const {
    if (mpi_) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

std::vector<double> Communicator::all_gather(double value) const {
    std::vector<double> out(static_cast<std::size_t>(size_), value);
    if (mpi_)
        check(MPI_Allgather(&value, 1, MPI_DOUBLE, out.data(), 1, MPI_DOUBLE, MPI_COMM_WORLD),
              "MPI_Allgather");
    return out;
}

std::vector<std::int64_t> Communicator::all_gather(std::int64_t value) const {
    std::vector<std::int64_t> out(static_cast<std::size_t>(size_), value);
    if (mpi_)
        check(MPI_Allgather(&value, 1, MPI_INT64_T, out.data(), 1, MPI_INT64_T, MPI_COMM_WORLD),
              "MPI_Allgather");
    return out;
}

double Communicator::max(double value) const {
    const std::vector<double> all = all_gather(value);
    double m = all.front();
    for (double v : all)
        m = std::max(m, v);
    return m;
}

bool Communicator::any(bool value) const {
    const std::vector<std::int64_t> all = all_gather(std::int64_t{value});
    return std::any_of(all.begin(), all.end(), [](std::int64_t v) { return v != 0; });
}

void Communicator::broadcast(std::span<double> values) const {
    if (mpi_)
        check(MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, 0,
                        MPI_COMM_WORLD),
              "MPI_Bcast");
}

void Communicator::broadcast(std::span<std::int64_t> values) const {
    if (mpi_)
        check(MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_INT64_T, 0,
                        MPI_COMM_WORLD),
              "MPI_Bcast");
}

void Communicator::broadcast(std::string& text, int from) const {
    if (!mpi_) return;
    std::int64_t size = static_cast<std::int64_t>(text.size());
    check(MPI_Bcast(&size, 1, MPI_INT64_T, from, MPI_COMM_WORLD), "MPI_Bcast");
    text.resize(static_cast<std::size_t>(size));
    check(MPI_Bcast(text.data(), static_cast<int>(size), MPI_CHAR, from, MPI_COMM_WORLD),
          "MPI_Bcast");
}

void Communicator::abort(int status) const {
    if (mpi_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
}

std::vector<double> Communicator::gather(std::span<const double> mine) const {
    if (!mpi_) return {mine.begin(), mine.end()};
    const int count = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(size_)), displs(counts.size(), 0);
    check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD),
          "MPI_Gather");
    std::vector<double> all;
    if (root()) {
        std::partial_sum(counts.begin(), counts.end() - 1, displs.begin() + 1);
        all.resize(static_cast<std::size_t>(displs.back() + counts.back()));
    }
    check(MPI_Gatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                      MPI_DOUBLE, 0, MPI_COMM_WORLD),
          "MPI_Gatherv");
    return all;
}

Request Communicator::isend(std::span<const double> data, int to, int tag) const {
    Request r;
    auto* handle = new MPI_Request;
    const int code = MPI_Isend(data.data(), static_cast<int>(data.size()), MPI_DOUBLE, to, tag,
                               MPI_COMM_WORLD, handle);
    if (code != MPI_SUCCESS) delete handle;
    check(code, "MPI_Isend");
    r.handle_ = handle;
    return r;
}

Request Communicator::irecv(std::span<double> data, int from, int tag) const {
    Request r;
    auto* handle = new MPI_Request;
    const int code = MPI_Irecv(data.data(), static_cast<int>(data.size()), MPI_DOUBLE, from, tag,
                               MPI_COMM_WORLD, handle);
    if (code != MPI_SUCCESS) delete handle;
    check(code, "MPI_Irecv");
    r.handle_ = handle;
    return r;
}

void Communicator::send(std::span<const double> data, int to, int tag) const {
    check(MPI_Send(data.data(), static_cast<int>(data.size()), MPI_DOUBLE, to, tag, MPI_COMM_WORLD),
          "MPI_Send");
}

void Communicator::recv(std::span<double> data, int from, int tag) const {
    check(MPI_Recv(data.data(), static_cast<int>(data.size()), MPI_DOUBLE, from, tag,
                   MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "MPI_Recv");
}

#else // built without MPI: one rank, and nothing to send to

namespace {
[[noreturn]] void no_peer() {
    throw std::logic_error("point-to-point transfer in a build without MPI (one rank)");
}
} // namespace

MpiSession::MpiSession(int&, char**&) {}
MpiSession::~MpiSession() = default;
Request::Request(Request&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
Request& Request::operator=(Request&& other) noexcept {
    handle_ = std::exchange(other.handle_, nullptr);
    return *this;
}
Request::~Request() = default;
void Request::wait() {}
Communicator Communicator::world() {
    return Communicator();
}
void Communicator::barrier() const {}
std::vector<double> Communicator::all_gather(double value) const {
    return {value};
}
std::vector<std::int64_t> Communicator::all_gather(std::int64_t value) const {
    return {value};
}
double Communicator::max(double value) const {
    return value;
}
bool Communicator::any(bool value) const {
    return value;
}
void Communicator::broadcast(std::span<double>) const {}
void Communicator::broadcast(std::span<std::int64_t>) const {}
void Communicator::broadcast(std::string&, int) const {}
void Communicator::abort(int) const {}
std::vector<double> Communicator::gather(std::span<const double> mine) const {
    return {mine.begin(), mine.end()};
}
Request Communicator::isend(std::span<const double>, int, int) const {
    no_peer();
}
Request Communicator::irecv(std::span<double>, int, int) const {
    no_peer();
}
void Communicator::send(std::span<const double>, int, int) const {
    no_peer();
}
void Communicator::recv(std::span<double>, int, int) const {
    no_peer();
}

#endif

} // namespace ssbsim
