#include "ssbsim/io/paths.hpp"

#include "ssbsim/core/errors.hpp"
#include "ssbsim/io/checkpoint.hpp"
#include "ssbsim/io/hdf5.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ssbsim {

namespace {

namespace fs = std::filesystem;

std::string quote(const std::string& s) {
    return "'" + s + "'";
}

fs::path parent_of(const std::string& path) {
    const fs::path p(path);
    return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

// One spelling per file: symbolic links and "." / ".." resolved as far as the path exists.
std::string canonical_key(const std::string& path) {
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec);
    if (ec) return path;
    const fs::path c = fs::weakly_canonical(abs, ec);
    return ec ? abs.lexically_normal().string() : c.string();
}

bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
    return canonical_key(a) == canonical_key(b);
}

// Names longer than the file system allows would fail at the first write, after the run.
void check_name_length(const std::string& key, const std::string& path) {
    if (path.size() >= PATH_MAX)
        throw InputError(key + ": the path " + quote(path.substr(0, 60) + "...") + " is " +
                         std::to_string(path.size()) + " bytes long, more than the " +
                         std::to_string(PATH_MAX - 1) + " the system allows");
    const fs::path dir = parent_of(path);
    long name_max = ::pathconf(dir.c_str(), _PC_NAME_MAX);
    if (name_max <= 0) name_max = NAME_MAX;
    const std::string name = fs::path(path).filename().string();
    if (static_cast<long>(name.size()) > name_max)
        throw InputError(key + ": the file name " + quote(name.substr(0, 60) + "...") + " is " +
                         std::to_string(name.size()) + " bytes long; the file system of " +
                         quote(dir.string()) + " allows " + std::to_string(name_max) +
                         " (the run also writes this name with .ckpt.h5.bak, .part, .lock)");
}

// Try it rather than trust permission bits: root ignores them, read-only mounts do not.
void check_directory(const std::string& key, const std::string& path,
                     std::set<std::string>& probed) {
    const fs::path dir = parent_of(path);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(key + ": directory " + quote(dir.string()) + " of " + quote(path) +
                         (fs::exists(dir, ec) ? " is not a directory" : " does not exist"));
    if (!probed.insert(canonical_key(dir.string())).second) return;
    const fs::path probe = dir / (".ssbsim-probe-" + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw InputError(key + ": cannot create files in directory " + quote(dir.string()) + ": " +
                         std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
}

// An existing file the run would write must be a regular file: never a directory, a device
// (`-o /dev/null` as root would replace the node), a FIFO or a socket.
void check_regular_or_absent(const std::string& key, const std::string& path) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec && st.type() != fs::file_type::not_found)
        throw InputError(key + ": cannot inspect " + quote(path) + ": " + ec.message());
    switch (st.type()) {
    case fs::file_type::not_found:
    case fs::file_type::regular:
        return;
    case fs::file_type::directory:
        throw InputError(key + ": " + quote(path) + " is a directory; name a file");
    default:
        throw InputError(key + ": " + quote(path) +
                         " exists and is not a regular file (a device, FIFO or socket); "
                         "name a regular file");
    }
}

void check_existing(const Config& config, const RunPaths& paths, const PathCheck& check) {
    std::error_code ec;
    const bool overwrite = config.run.overwrite;
    // A checkpoint is rotated into .bak and the .bak replaced: only ssbsim's own checkpoints,
    // whatever run.overwrite says (it is about the output). On --resume a damaged checkpoint is
    // the reader's business (it falls back to the backup or refuses).
    if (check.resume) return;
    for (const std::string& p : {paths.checkpoint, paths.checkpoint_bak})
        if (fs::exists(p, ec) && !is_ssbsim_checkpoint(p))
            throw InputError("checkpoint.file: " + quote(p) +
                             " exists and is not an ssbsim checkpoint; the run would replace it. "
                             "Choose another checkpoint.file, or remove the file");
    if (!overwrite && fs::exists(paths.output, ec))
        throw InputError("run.output: " + quote(paths.output) +
                         " exists; set run.overwrite = true (or --overwrite) to replace it");
}

// The run's files are distinct from each other and from the files it reads.
void check_distinct(const Config& config, const RunPaths& paths, const PathCheck& check) {
    const auto named = paths.named();
    for (std::size_t i = 0; i < named.size(); ++i)
        for (std::size_t j = i + 1; j < named.size(); ++j)
            if (same_file(named[i].second, named[j].second))
                throw InputError(named[j].first + ": " + quote(named[j].second) +
                                 " is the same file as " + quote(named[i].second) + " (" +
                                 named[i].first + "); a run writes each file for one purpose");
    std::vector<std::pair<std::string, std::string>> inputs;
    if (!check.deck_file.empty()) inputs.emplace_back("the deck", check.deck_file);
    if (config.field.init == InitKind::file)
        inputs.emplace_back("field.init_file", config.field.init_file);
    if (config.action.h_source == HSource::file)
        inputs.emplace_back("action.h_file", config.action.h_file);
    for (const auto& [key, path] : named)
        for (const auto& [what, input] : inputs)
            if (same_file(path, input))
                throw InputError(key + ": " + quote(path) + " is " + what + " " + quote(input) +
                                 ", which the run reads; the run would destroy it");
}

} // namespace

std::vector<std::pair<std::string, std::string>> RunPaths::named() const {
    return {{"run.output", output},
            {"run.output", output_part},
            {"checkpoint.file", checkpoint},
            {"checkpoint.file", checkpoint_tmp},
            {"checkpoint.file", checkpoint_bak},
            {"run.output", lock}};
}

RunPaths plan_paths(const Config& config) {
    RunPaths p;
    p.output = config.run.output;
    p.output_part = p.output + ".part";
    p.checkpoint = checkpoint_path(config);
    p.checkpoint_tmp = p.checkpoint + ".tmp";
    p.checkpoint_bak = backup_path(p.checkpoint);
    p.lock = p.output + ".lock";
    return p;
}

void check_run_paths(const Config& config, const RunPaths& paths, const PathCheck& check) {
    const auto named = paths.named();
    for (const auto& [key, path] : named)
        check_name_length(key, path);
    std::set<std::string> probed;
    for (const auto& [key, path] : named) {
        check_directory(key, path, probed);
        check_regular_or_absent(key, path);
    }
    check_distinct(config, paths, check);
    check_existing(config, paths, check);
}

void check_output_file(const std::string& key, const std::string& path) {
    check_name_length(key, path);
    std::set<std::string> probed;
    check_directory(key, path, probed);
    check_regular_or_absent(key, path);
}

void check_distinct_points(const std::vector<RunPaths>& points,
                           const std::vector<std::string>& labels) {
    std::map<std::string, std::size_t> owner; // canonical path -> point
    for (std::size_t i = 0; i < points.size(); ++i) {
        std::set<std::string> own;
        for (const auto& [key, path] : points[i].named()) {
            const std::string c = canonical_key(path);
            own.insert(c);
            const auto [it, fresh] = owner.emplace(c, i);
            if (fresh || it->second == i) continue;
            const std::size_t j = it->second;
            throw InputError("[scan]: points " + std::to_string(j) + " (" + labels[j] + ") and " +
                             std::to_string(i) + " (" + labels[i] + ") would both write " +
                             quote(path) + " (" + key +
                             "); give the scanned values distinct names (or a checkpoint.file "
                             "per point)");
        }
    }
}

void remove_leftovers(const RunPaths& paths) {
    for (const std::string& p : {paths.output_part, paths.checkpoint_tmp}) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) fs::remove(p, ec);
    }
}

bool is_ssbsim_checkpoint(const std::string& path) {
    if (!h5::is_hdf5(path)) return false;
    try {
        const h5::File file = h5::File::open_read(path);
        const h5::Group root = file.root();
        return root.has_attr("description") &&
               root.read_attr_string("description").starts_with("ssbsim checkpoint");
    } catch (const IoError&) {
        return false;
    }
}

OutputLock::OutputLock(const std::string& lock_path) : path_(lock_path) {
    // The holder removes the lock file when it ends; a lock taken on a file just removed
    // protects nothing, so the lock counts only if the path still names the locked file.
    for (int attempt = 0; attempt < 20; ++attempt) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw InputError("run.output: cannot create the lock file " + quote(path_) + ": " +
                             std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            if (err == EWOULDBLOCK) {
                char buffer[32] = {};
                const ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
                ::close(fd_);
                fd_ = -1;
                const long pid = n > 0 ? std::strtol(buffer, nullptr, 10) : 0;
                throw InputError(
                    "run.output: another run is writing this output (" +
                    (pid > 0 ? "process " + std::to_string(pid) : std::string("unknown process")) +
                    " holds the lock " + quote(path_) +
                    "); wait for it to end, or choose another run.output");
            }
            // No flock on this file system (Lustre without -o flock): go on unlocked.
            warning_ = "cannot lock " + quote(path_) + " (" + std::strerror(err) +
                       "): this file system has no flock; nothing stops a second run from "
                       "writing the same output";
        } else {
            struct stat held {
            }, named{};
            if (::fstat(fd_, &held) != 0 || ::stat(path_.c_str(), &named) != 0 ||
                held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
                ::close(fd_);
                fd_ = -1;
                continue;
            }
        }
        const std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
            // The PID is a courtesy for the message of a refused run; the lock holds without it.
        }
        return;
    }
    throw IoError("cannot take the lock " + quote(path_) +
                  ": it keeps being replaced by other processes");
}

OutputLock::~OutputLock() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());
    ::close(fd_);
}

OutputGuard::OutputGuard(std::string path) : path_(std::move(path)) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0)
        throw IoError("the output " + quote(path_) + " vanished as it was created");
    device_ = static_cast<std::uint64_t>(st.st_dev);
    inode_ = static_cast<std::uint64_t>(st.st_ino);
}

void OutputGuard::check() const {
    struct stat st {};
    const bool same = ::stat(path_.c_str(), &st) == 0 &&
                      static_cast<std::uint64_t>(st.st_dev) == device_ &&
                      static_cast<std::uint64_t>(st.st_ino) == inode_;
    if (!same)
        throw IoError("the output " + quote(path_) +
                      " was removed or replaced while the run was writing it; what the run "
                      "wrote since is lost. The last checkpoint is kept (not paired with any "
                      "output now): start the run again");
}

} // namespace ssbsim
