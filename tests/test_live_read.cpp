// Reading an output while a run writes it (include/ssbsim/io/live_read.hpp, hdf5.cpp's locks):
// a reader polls a running job with `ssbsim info`, `ssbsim analyze`, the Python reader and plain
// h5py (default file locking), and every read succeeds with all columns of equal length and a
// growing row count; a second writer (`analyze --write`, h5py "r+") is refused while the run
// writes, and the interrupted run resumes as usual.
#include "cli.hpp"
#include "ssbsim/io/live_read.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <regex>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

using namespace ssbsim::test;

namespace {

// `ssbsim ARGS` started in the background from the scratch directory.
class Job {
  public:
    Job(const Scratch& s, const std::string& args) {
        const std::string cmd = "cd '" + s.dir.string() + "' && exec '" + SSBSIM_BINARY + "' " +
                                args + " > job.out 2> job.err";
        const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv),
                        environ) != 0)
            throw std::runtime_error("cannot start " + cmd);
    }
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;
    ~Job() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool running() {
        if (pid_ <= 0) return false;
        int raw = 0;
        if (::waitpid(pid_, &raw, WNOHANG) == 0) return true;
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        pid_ = -1;
        return false;
    }
    int stop() { // SIGTERM: checkpoint, status 5
        if (pid_ > 0) ::kill(pid_, SIGTERM);
        while (running())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return status_;
    }

  private:
    pid_t pid_ = -1;
    int status_ = -1;
};

long long number_after(const std::string& text, const std::string& label) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(label + "(-?[0-9]+)"))) return -1;
    return std::stoll(m[1]);
}

// The Python side of one poll: the reader's row count, then plain h5py's (default locking,
// retrying an OSError as docs/output.md advises: opened during a flush, HDF5 can find the file
// shorter than its superblock says; every column of /observables must have the step's length),
// then whether h5py could open the
// file for writing (it must not while the run holds it).
const char* const python_poll = R"(
import sys
sys.path.insert(0, sys.argv[1])
import h5py, ssbsim_reader
run = ssbsim_reader.Run(sys.argv[2])
reader_rows = len(run.series("action"))
import time
for attempt in range(5):  # a read during the writer's flush can fail: retry (docs/output.md)
    try:
        with h5py.File(sys.argv[2], "r") as f:
            n = f["observables/step"].shape[0]
            assert all(f["observables"][c].shape[0] == n for c in f["observables"]), "ragged"
            h5py_rows = n
        break
    except OSError:
        if attempt == 4:
            raise
        time.sleep(0.2)
try:
    h5py.File(sys.argv[2], "r+").close()
    writable = 1
except OSError:
    writable = 0
print(reader_rows, h5py_rows, writable)
)";

} // namespace

TEST_CASE("a reader polling a running job reads it with info, analyze, the Python reader and "
          "h5py",
          "[live][cli]") {
    Scratch s("live-read");
    s.write("poll.py", python_poll);
    // Measurements every 5 steps of a small lattice, flushed every batch: the file grows fast;
    // the run is long enough to outlast the polls, which end it with SIGTERM.
    Job job(s, "run " + deck_path("free_field.ini") +
                   " --set dynamics.steps=100000000 --set measure.every=5 -o live.h5");
    const int wanted = 4; // complete polling rounds while the job runs
    int rounds = 0;
    long long last_rows = -1, first_rows = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    while (rounds < wanted && std::chrono::steady_clock::now() < deadline) {
        REQUIRE(job.running());
        const Result info = run_ssbsim(s, "info live.h5");
        if (info.status != 0 || number_after(info.out, "measurements: ") < 200) {
            // Not created yet, or too short for analyze: wait (but info must work once it
            // exists).
            INFO(info.err);
            REQUIRE((info.status == 0 || info.err.find("does not exist") != std::string::npos));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        const long long info_rows = number_after(info.out, "measurements: ");
        const Result analyze = run_ssbsim(s, "analyze live.h5 --json");
        INFO("analyze: " << analyze.err);
        REQUIRE(analyze.status == 0);
        CHECK(analyze.err.find("incomplete run") != std::string::npos); // it knows
        const long long analyzed = number_after(analyze.out, "\"measurements\": ");
        const std::string cmd = std::string(SSBSIM_PYTHON) + " '" + s.path("poll.py") + "' '" +
                                analysis_dir + "' '" + s.path("live.h5") + "' > '" +
                                s.path("poll.out") + "' 2> '" + s.path("poll.err") + "'";
        const int raw = std::system(cmd.c_str());
        INFO("python: " << slurp(s.path("poll.err")));
        REQUIRE(raw == 0);
        long long reader_rows = -1, h5py_rows = -1, writable = -1;
        std::istringstream(slurp(s.path("poll.out"))) >> reader_rows >> h5py_rows >> writable;
        CHECK(writable == 0); // a second writer is refused while the run writes
        const Result write = run_ssbsim(s, "analyze live.h5 --write");
        CHECK(write.status == 4);
        CAPTURE(info_rows, analyzed, reader_rows, h5py_rows, last_rows);
        // Every reader saw a consistent, growing file.
        CHECK(info_rows >= last_rows);
        CHECK(analyzed >= info_rows);
        CHECK(reader_rows >= analyzed);
        CHECK(h5py_rows >= reader_rows);
        if (first_rows < 0) first_rows = info_rows;
        last_rows = h5py_rows;
        ++rounds;
        if (!job.running()) break;
    }
    CHECK(rounds == wanted);
    CHECK(last_rows > first_rows); // the file grew while it was read
    REQUIRE(job.stop() == 5);      // interrupted by SIGTERM: checkpoint written
    // After the run: readable and resumable as always.
    const Result info = run_ssbsim(s, "info live.h5");
    REQUIRE(info.status == 0);
    CHECK(number_after(info.out, "measurements: ") >= last_rows);
}

TEST_CASE("read_retrying retries I/O errors and gives up after the last attempt", "[live]") {
    int calls = 0;
    CHECK(ssbsim::read_retrying([&] {
              if (++calls < 3) throw ssbsim::IoError("half-written metadata");
              return 7;
          }) == 7);
    CHECK(calls == 3);
    calls = 0;
    CHECK_THROWS_AS(ssbsim::read_retrying([&]() -> int {
                        ++calls;
                        throw ssbsim::IoError("damaged");
                    }),
                    ssbsim::IoError);
    CHECK(calls == ssbsim::live_read_attempts);
    calls = 0; // other errors are not retried
    CHECK_THROWS_AS(ssbsim::read_retrying([&]() -> int {
                        ++calls;
                        throw ssbsim::InputError("no such file");
                    }),
                    ssbsim::InputError);
    CHECK(calls == 1);
}
