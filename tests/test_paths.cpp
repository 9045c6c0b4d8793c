// The files beside the output (io/paths.hpp, app/preflight.hpp, core/memory.hpp, core/checks.hpp),
// through the program: one case per item of issue 11. No file the user did not ask to touch is
// destroyed, every path is checked before the first step, the output is locked while a run
// writes it, checkpoints carry checksums and fall back to the backup, and every failure gets
// its documented status. Device nodes are never touched: refusals are shown on a FIFO, a socket
// and a directory made here.
#include "cli.hpp"
#include "ssbsim/app/preflight.hpp"
#include "ssbsim/core/checks.hpp"
#include "ssbsim/core/memory.hpp"
#include "ssbsim/deck/deck.hpp"
#include "ssbsim/io/hdf5.hpp"
#include "ssbsim/io/paths.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>

using namespace ssbsim;
using namespace ssbsim::test;
namespace fs = std::filesystem;

namespace {

const std::string base_deck = R"([lattice]
dims = 8 8
[action]
m2 = -0.5
lambda = 0.5
[dynamics]
steps = 20
)";

Scratch with_deck(const std::string& name, const std::string& deck = base_deck) {
    Scratch s(name);
    s.write("deck.ini", deck);
    return s;
}

std::size_t file_count(const Scratch& s) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(s.dir), {}));
}

pid_t spawn(const Scratch& s, const std::string& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::signal(SIGTERM, SIG_DFL); // not Catch's handler, should it arrive before exec
        const std::string cmd = "cd '" + s.dir.string() + "' && exec '" + SSBSIM_BINARY + "' " +
                                args + " > /dev/null 2> '" + s.path("bg.err") + "'";
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

int wait_status(pid_t pid) {
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

bool wait_for(const std::function<bool()>& ready, double seconds = 20.0) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

std::vector<std::int64_t> steps_of(const std::string& file) {
    return h5::File::open_read(file).root().open_dataset("observables/step").read_int64();
}

void make_socket(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd); // the socket file stays
}

// Overwrites the 8 bytes of `value` (found in the raw file) with a NaN: damage a checksum sees.
void damage_value(const std::string& file, double value) {
    std::string bytes = slurp(file);
    char pattern[8];
    std::memcpy(pattern, &value, 8);
    const auto at = bytes.find(std::string(pattern, 8));
    REQUIRE(at != std::string::npos);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::memcpy(bytes.data() + at, &nan, 8);
    std::ofstream(file, std::ios::binary) << bytes;
}

} // namespace

TEST_CASE("1: checkpoint.file naming the output, the deck or any other file is refused",
          "[paths][errors]") {
    Scratch s = with_deck("item1");
    REQUIRE(run_ssbsim(s, "run deck.ini -o out.h5").status == 0);
    const std::string output = slurp(s.path("out.h5")), deck = slurp(s.path("deck.ini"));
    s.write("precious.txt", "precious");
    for (const std::string target : {"out.h5", "deck.ini", "precious.txt", "./out.h5"}) {
        for (const std::string extra : {"", " --overwrite"}) {
            const Result r =
                run_ssbsim(s, "run deck.ini -o out.h5 --set checkpoint.file=" + target + extra);
            INFO(target << extra << ": " << r.err);
            CHECK(r.status == 2);
            CHECK(r.err.find("checkpoint.file") != std::string::npos);
        }
    }
    REQUIRE(slurp(s.path("out.h5")) == output);
    REQUIRE(slurp(s.path("deck.ini")) == deck);
    REQUIRE(slurp(s.path("precious.txt")) == "precious");
    REQUIRE(!fs::exists(s.path("deck.ini.bak")));
    REQUIRE(!fs::exists(s.path("precious.txt.bak")));
    // Nor may the output be the deck or an input file.
    Result r = run_ssbsim(s, "run deck.ini -o deck.ini --overwrite");
    CHECK(r.status == 2);
    r = run_ssbsim(s, "run deck.ini -o out.h5 --overwrite --set field.init=file "
                      "--set field.init_file=out.h5");
    CHECK(r.status == 2);
    CHECK(r.err.find("field.init_file") != std::string::npos);
    REQUIRE(slurp(s.path("out.h5")) == output);
    REQUIRE(slurp(s.path("deck.ini")) == deck);
}

TEST_CASE("2: a checkpoint path that cannot be written is refused before the output is touched",
          "[paths][errors]") {
    Scratch s = with_deck("item2");
    REQUIRE(run_ssbsim(s, "run deck.ini -o out.h5").status == 0);
    const std::string output = slurp(s.path("out.h5"));
    fs::create_directory(s.path("cdir"));
    for (const std::string target : {"nowhere/c.h5", "/proc/c.h5", "cdir"}) {
        const Result r =
            run_ssbsim(s, "run deck.ini -o out.h5 --overwrite --set checkpoint.file=" + target);
        INFO(target << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find("checkpoint.file") != std::string::npos);
        CHECK(slurp(s.path("out.h5")) == output); // --overwrite destroyed nothing
    }
}

TEST_CASE("3: an output or checkpoint that is a FIFO, a socket or a directory is refused",
          "[paths][errors]") {
    Scratch s = with_deck("item3");
    REQUIRE(::mkfifo(s.path("fifo").c_str(), 0600) == 0);
    make_socket(s.path("sock"));
    fs::create_directory(s.path("adir"));
    const std::size_t before = file_count(s);
    for (const std::string target : {"fifo", "sock", "adir"}) {
        for (const std::string& args :
             {"-o " + target + " --overwrite", "-o out.h5 --set checkpoint.file=" + target}) {
            const Result r = run_ssbsim(s, "run deck.ini " + args);
            INFO(args << ": " << r.err);
            CHECK(r.status == 2);
            CHECK(r.err.find("'" + target + "'") != std::string::npos);
            CHECK(file_count(s) == before); // no out.h5, no .part, no checkpoint
        }
    }
    CHECK(fs::is_fifo(s.path("fifo")));
    CHECK(fs::is_socket(s.path("sock")));
    CHECK(fs::is_directory(s.path("adir")));
}

TEST_CASE("4: a second run on a locked output is refused naming the holder, and --resume checks "
          "that output and checkpoint belong together",
          "[paths][errors]") {
    Scratch s = with_deck("item4");
    {
        const OutputLock lock(s.path("out.h5.lock")); // this process "writes" out.h5
        const Result r = run_ssbsim(s, "run deck.ini -o out.h5 --overwrite");
        INFO(r.err);
        REQUIRE(r.status == 2);
        REQUIRE(r.err.find("process " + std::to_string(::getpid())) != std::string::npos);
        REQUIRE(!fs::exists(s.path("out.h5")));
    }
    REQUIRE(!fs::exists(s.path("out.h5.lock"))); // the holder removes it
    REQUIRE(run_ssbsim(s, "run deck.ini -o out.h5").status == 0);
    REQUIRE(!fs::exists(s.path("out.h5.lock")));
    // Another run's output in place of this one's: refused, not continued with a gap.
    REQUIRE(
        run_ssbsim(s, "run deck.ini -o other.h5 --set run.seed=7 --set dynamics.steps=10").status ==
        0);
    fs::copy_file(s.path("other.h5"), s.path("out.h5"), fs::copy_options::overwrite_existing);
    const Result r = run_ssbsim(s, "run deck.ini -o out.h5 --resume --set dynamics.steps=40");
    INFO(r.err);
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find("does not belong") != std::string::npos);
    REQUIRE(steps_of(s.path("out.h5")) == steps_of(s.path("other.h5"))); // untouched
}

TEST_CASE("5: removing the output while the run writes it is an I/O error", "[paths][errors]") {
    Scratch s = with_deck("item5");
    const pid_t pid = spawn(s, "run deck.ini -o out.h5 --set 'lattice.dims=64 64' "
                               "--set dynamics.steps=4000 --set checkpoint.every=20");
    REQUIRE(wait_for([&] { return fs::exists(s.path("out.ckpt.h5")); }));
    fs::remove(s.path("out.h5"));
    const int status = wait_status(pid);
    const std::string err = slurp(s.path("bg.err"));
    INFO(err);
    REQUIRE(status == 4);
    REQUIRE(err.find("removed or replaced") != std::string::npos);
}

TEST_CASE("6: a divergence between checkpoints keeps the output up to the last good measurement",
          "[paths][errors]") {
    Scratch s = with_deck("item6");
    // Stable steps up to 125, then a step far beyond the stability bound.
    const Result r = run_ssbsim(s, "run deck.ini -o d.h5 --set dynamics.steps=300 "
                                   "--set measure.every=2 --set checkpoint.every=50 "
                                   "--set 'schedule.step=piecewise 0.01 125 5'");
    INFO(r.err);
    REQUIRE(r.status == 3);
    const std::vector<std::int64_t> steps = steps_of(s.path("d.h5"));
    REQUIRE(steps.back() >= 124); // not 100, the last checkpoint
    const auto action =
        h5::File::open_read(s.path("d.h5")).root().open_dataset("observables/action").read_double();
    for (double a : action)
        REQUIRE(std::isfinite(a));
}

TEST_CASE("7: scan points whose files clash are refused before any point runs",
          "[paths][scan][errors]") {
    Scratch s = with_deck("item7", base_deck);
    s.write("scan.ini", "[lattice]\ndims = 6 6\n[action]\nlambda = 1\n[dynamics]\nsteps = 10\n"
                        "[scan]\naction.m2 = -1, -1\n");
    const std::size_t before = file_count(s);
    for (const std::string args : {"--all", "--all --overwrite", "--point 1 --overwrite"}) {
        const Result r = run_ssbsim(s, "run scan.ini " + args);
        INFO(args << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find("points 0") != std::string::npos);
        CHECK(file_count(s) == before);
    }
    // A fixed checkpoint.file shared by all points clashes too.
    s.write("scan2.ini", "[lattice]\ndims = 6 6\n[action]\nlambda = 1\n[dynamics]\nsteps = 10\n"
                         "[checkpoint]\nfile = ck.h5\n[scan]\naction.m2 = -1, -2\n");
    const Result r = run_ssbsim(s, "run scan2.ini --all");
    CHECK(r.status == 2);
    CHECK(r.err.find("ck.h5") != std::string::npos);
}

TEST_CASE("8: NaN, inf or huge values in an init or source file are bad input naming where",
          "[paths][errors]") {
    Scratch s = with_deck("item8");
    for (const double bad : {std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(), 1e300}) {
        std::vector<double> values(64, 0.1);
        values[13] = bad;
        {
            h5::File f = h5::File::create(s.path("init.h5"), true);
            f.root().create_group("configurations");
            f.root().write_dataset("configurations/field", values.data(), {1, 8, 8, 1});
            f.root().write_dataset("h", values.data(), {8, 8});
        }
        const std::size_t before = file_count(s);
        Result r = run_ssbsim(s, "run deck.ini -o out.h5 --set field.init=file "
                                 "--set field.init_file=init.h5");
        INFO(bad << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find("init.h5") != std::string::npos);
        CHECK(r.err.find("[0, 1, 5, 0]") != std::string::npos); // row 0, site (1, 5), component 0
        CHECK(file_count(s) == before);
        r = run_ssbsim(s, "run deck.ini -o out.h5 --set action.h_source=file "
                          "--set action.h_file=init.h5 --set action.h_dataset=h");
        CHECK(r.status == 2);
        CHECK(r.err.find("'h'") != std::string::npos);
        CHECK(r.err.find("[1, 5]") != std::string::npos);
        CHECK(file_count(s) == before);
    }
}

TEST_CASE("9: a checkpoint with damaged data or an impossible step falls back to the backup",
          "[paths][checkpoint][errors]") {
    Scratch s = with_deck("item9");
    const std::string args = "run deck.ini -o c.h5 --set checkpoint.every=5 ";
    REQUIRE(run_ssbsim(s, args + "--set dynamics.steps=10").status == 0);
    REQUIRE(fs::exists(s.path("c.ckpt.h5.bak")));
    const fs::path good = s.path("good.ckpt.h5");
    fs::copy_file(s.path("c.ckpt.h5"), good);
    // Bytes of the field replaced by a NaN: the Fletcher32 checksum notices, the backup is used.
    const auto field = h5::File::open_read(s.path("c.ckpt.h5"))
                           .root()
                           .open_dataset("configurations/field")
                           .read_double();
    damage_value(s.path("c.ckpt.h5"), field[10]);
    Result r = run_ssbsim(s, args + "--set dynamics.steps=20 --resume");
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("backup") != std::string::npos);
    REQUIRE(r.err.find("continuing from step 5") != std::string::npos);
    // Out-of-range steps in both: refused as bad input, never run.
    for (const std::int64_t step : {std::int64_t{1000000000000000000}, std::int64_t{-5}}) {
        for (const std::string f : {"c.ckpt.h5", "c.ckpt.h5.bak"}) {
            fs::copy_file(good, s.path(f), fs::copy_options::overwrite_existing);
            h5::File::open_rw(s.path(f)).root().write_attr("step", step);
        }
        r = run_ssbsim(s, args + "--set dynamics.steps=30 --resume");
        INFO(step << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find("no usable checkpoint") != std::string::npos);
        CHECK(r.err.find("step") != std::string::npos);
    }
}

TEST_CASE("10: a run or a file too large for memory is refused with the sizes, status 2",
          "[paths][errors]") {
    Scratch s = with_deck("item10");
    Result r = run_ssbsim(s, "run deck.ini -o out.h5 --set 'lattice.dims=1048576 1048576'");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("TiB") != std::string::npos);
    CHECK(r.err.find("available") != std::string::npos);
    // The limit as a batch system would impose it: 512 x 512 needs 6 MiB, 1 MB is offered.
    const std::string cmd = "cd '" + s.dir.string() + "' && SSBSIM_MEMORY_AVAILABLE=1000000 '" +
                            SSBSIM_BINARY +
                            "' run deck.ini -o tiny.h5 --set 'lattice.dims=512 512' 2> err.txt";
    const int raw = std::system(cmd.c_str());
    const std::string err = slurp(s.path("err.txt"));
    INFO(err);
    CHECK(WEXITSTATUS(raw) == 2);
    CHECK(err.find("976.6 KiB") != std::string::npos);
    CHECK(!fs::exists(s.path("tiny.h5")));
    // A file declaring 2^40 rows: info says how much it would need instead of bad_alloc.
    {
        h5::File f = h5::File::create(s.path("huge.h5"), true);
        h5::Group g = f.root().create_group("observables");
        g.create_extendible("step", h5::Dtype::i64, {}, 1024, 0)
            .extend_rows(std::uint64_t{1} << 40);
    }
    r = run_ssbsim(s, "info huge.h5");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("memory") != std::string::npos);
}

TEST_CASE("10: the memory estimate counts every field a method keeps", "[paths]") {
    // 64 x 64, N = 1: one field is 32 KiB. Besides the field and the save buffer: langevin its
    // next field; momentum p, the cached force and its next field; fa_hmc p, phi_old, M^-1 p and
    // the four per-site mode weights; two replicas of momentum share one integrator.
    const auto fields = [](const std::string& method, int replicas = 1) {
        const Config c = load_deck_text(
            "[lattice]\ndims = 64 64\n[run]\nreplicas = " + std::to_string(replicas) +
                "\n[dynamics]\nmethod = " + method + "\nsteps = 1\n",
            {}, "memory.ini");
        return run_memory_bytes(c) / (64 * 64 * sizeof(double));
    };
    CHECK(fields("langevin") == 3);
    CHECK(fields("flow_adaptive") == 6);
    CHECK(fields("momentum") == 5);
    CHECK(fields("momentum", 2) == 8);
    CHECK(fields("hmc") == 4);
    CHECK(fields("fa_hmc") == 9);
    CHECK(fields("fa_langevin") == 8);
}

TEST_CASE("11: an output name longer than the file system allows is bad input", "[paths][errors]") {
    Scratch s = with_deck("item11");
    const Result r = run_ssbsim(s, "run deck.ini -o " + std::string(300, 'a') + ".h5");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find("run.output") != std::string::npos);
    CHECK(r.err.find("bytes long") != std::string::npos);
    // 250 bytes fit the output but not its checkpoint: refused too, before anything is written.
    const Result r2 = run_ssbsim(s, "run deck.ini -o " + std::string(247, 'b') + ".h5");
    CHECK(r2.status == 2);
    CHECK(file_count(s) == 1);
}

TEST_CASE("12: the output records what each segment ran with", "[paths][checkpoint]") {
    Scratch s = with_deck("item12");
    REQUIRE(run_ssbsim(s, "run deck.ini -o out.h5 --set checkpoint.every=10").status == 0);
    const Result r = run_ssbsim(s, "run deck.ini -o out.h5 --resume --force "
                                   "--set action.m2=-0.7 --set dynamics.steps=40");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const h5::File f = h5::File::open_read(s.path("out.h5"));
    const h5::Group first = f.root().open_group("segments/000");
    const h5::Group second = f.root().open_group("segments/001");
    REQUIRE(!f.root().exists("segments/002"));
    CHECK(first.read_attr_int64("first_step") == 0);
    CHECK(second.read_attr_int64("first_step") == 20);
    CHECK(first.read_attr_string("deck").find("m2 = -0.5") != std::string::npos);
    CHECK(second.read_attr_string("deck").find("m2 = -0.7") != std::string::npos);
    CHECK(second.read_attr_string("kind") == "resume");
}

TEST_CASE("13: resuming on another lattice, N or number of replicas names the key",
          "[paths][checkpoint][errors]") {
    Scratch s = with_deck("item13");
    REQUIRE(run_ssbsim(s, "run deck.ini -o out.h5").status == 0);
    for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
             {"'lattice.dims=8 6'", "lattice.dims"},
             {"field.components=2", "field.components"},
             {"run.replicas=2", "run.replicas"}}) {
        const Result r = run_ssbsim(s, "run deck.ini -o out.h5 --resume --force --set " + set);
        INFO(set << ": " << r.err);
        CHECK(r.status == 2);
        CHECK(r.err.find(key) != std::string::npos);
    }
}

TEST_CASE("14: meaningless options, NUL bytes, BOMs, damaged files, leftovers", "[paths][errors]") {
    Scratch s = with_deck("item14");
    for (const std::string args : {"--force", "--point 0", "--all --point 0"}) {
        const Result r = run_ssbsim(s, "run deck.ini -o out.h5 " + args);
        INFO(args << ": " << r.err);
        CHECK(r.status == 2);
    }
    CHECK(!fs::exists(s.path("out.h5")));
    s.write("nul.ini", std::string("[lattice]\ndims = 8 8\n[action]\nm2 = -0.5\x00x\n", 40));
    Result r = run_ssbsim(s, "run nul.ini -o out.h5");
    CHECK(r.status == 2);
    CHECK(r.err.find("line 4") != std::string::npos);
    CHECK(r.err.find("NUL") != std::string::npos);
    s.write("bom.ini", "\xEF\xBB\xBF" + base_deck);
    r = run_ssbsim(s, "run bom.ini -o bom.h5");
    CHECK(r.status == 0);
    s.write("bom2.ini", "\xEF\xBB\xBF[lattic]\ndims = 8 8\n");
    r = run_ssbsim(s, "run bom2.ini -o bom2.h5");
    CHECK(r.status == 2);
    CHECK(r.err.find("\xEF\xBB\xBF") == std::string::npos);
    // A damaged output: info and analyze agree on status 2.
    fs::copy_file(s.path("bom.h5"), s.path("damaged.h5"));
    fs::resize_file(s.path("damaged.h5"), fs::file_size(s.path("damaged.h5")) / 2);
    const Result info = run_ssbsim(s, "info damaged.h5");
    const Result analyze = run_ssbsim(s, "analyze damaged.h5");
    CHECK(analyze.status == 2);
    CHECK(info.status == 2);
    // A checkpoint that cannot be written (file-size limit: 4 MB, the checkpoint needs 8 MB, the
    // output 2 MB) leaves no .tmp behind.
    const std::string cmd = "ulimit -f 4000 && cd '" + s.dir.string() + "' && '" + SSBSIM_BINARY +
                            "' run deck.ini --set 'lattice.dims=512 512' --set run.replicas=4 "
                            "--set dynamics.steps=2 -o limited.h5 2> err.txt";
    const int raw = std::system(("bash -c \"" + cmd + "\"").c_str());
    INFO(slurp(s.path("err.txt")));
    CHECK(WEXITSTATUS(raw) == 4);
    CHECK(slurp(s.path("err.txt")).find("limited.ckpt.h5.tmp") != std::string::npos);
    CHECK(!fs::exists(s.path("limited.ckpt.h5.tmp")));
    // Stop signals in the first milliseconds never leave a half-created output behind.
    for (int i = 0; i < 6; ++i) {
        const pid_t pid = spawn(s, "run deck.ini -o early.h5 --overwrite");
        std::this_thread::sleep_for(std::chrono::milliseconds(2 * i));
        ::kill(pid, SIGTERM);
        const int status = wait_status(pid);
        CHECK((status == 0 || status == 5 || status == 128 + SIGTERM));
        CHECK(!fs::exists(s.path("early.h5.part")));
    }
    // What SIGKILL leaves (.part, .tmp) the next run removes.
    s.write("early.h5.part", "junk");
    s.write("early.ckpt.h5.tmp", "junk");
    REQUIRE(run_ssbsim(s, "run deck.ini -o early.h5 --overwrite").status == 0);
    CHECK(!fs::exists(s.path("early.h5.part")));
    CHECK(!fs::exists(s.path("early.ckpt.h5.tmp")));
}

TEST_CASE("ssbsim measure's output follows the same rules: no FIFO or directory, no locked file",
          "[paths][errors]") {
    Scratch s = with_deck("measure");
    REQUIRE(run_ssbsim(s, "run deck.ini -o run.h5 --set measure.save_every=10").status == 0);
    REQUIRE(::mkfifo(s.path("fifo").c_str(), 0600) == 0);
    fs::create_directory(s.path("adir"));
    for (const std::string target : {"fifo", "adir"}) {
        const Result r = run_ssbsim(s, "measure run.h5 -o " + target + " --overwrite");
        INFO(r.err);
        CHECK(r.status == 2);
        CHECK(!fs::exists(s.path(target + ".part")));
    }
    CHECK(fs::is_fifo(s.path("fifo")));
    const OutputLock lock(s.path("m.h5.lock"));
    const Result r = run_ssbsim(s, "measure run.h5 -o m.h5");
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(std::to_string(::getpid())) != std::string::npos);
    CHECK(!fs::exists(s.path("m.h5")));
}

TEST_CASE("checks: first bad value and its index, saturating memory arithmetic", "[paths]") {
    const std::vector<double> v = {0.0, 1.0, -2.0, std::nan(""), 5.0, 6.0};
    REQUIRE(first_bad_value(v, 10.0) == std::optional<std::size_t>(3));
    REQUIRE(first_bad_value(v, 1.5) == std::optional<std::size_t>(2));
    REQUIRE(!first_bad_value(std::span(v).first(3), 2.0));
    REQUIRE(index_text(5, {2, 3}) == "[1, 2]");
    REQUIRE(saturating_product(std::uint64_t{1} << 40, std::uint64_t{1} << 40) ==
            std::numeric_limits<std::uint64_t>::max());
    REQUIRE(byte_text(1536) == "1.5 KiB");
    REQUIRE(available_memory().has_value()); // Linux: /proc/meminfo
}
