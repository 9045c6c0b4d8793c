// Helpers for tests that run the ssbsim program: a scratch directory per test and a command
// runner that captures exit status, stdout and stderr.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace ssbsim::test {

struct Scratch {
    std::filesystem::path dir;
    explicit Scratch(const std::string& name)
        : dir(std::filesystem::temp_directory_path() /
              ("ssbsim-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~Scratch() { std::filesystem::remove_all(dir); }
    std::string path(const std::string& file) const { return (dir / file).string(); }
    std::string write(const std::string& file, const std::string& text) const {
        std::ofstream(path(file)) << text;
        return path(file);
    }
};

struct Result {
    int status;
    std::string out, err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string deck_path(const std::string& name) {
    return std::string(SSBSIM_SOURCE_DIR) + "/inputs/" + name;
}

// Runs `ssbsim ARGS` (ARGS is shell text) from the scratch directory.
inline Result run_ssbsim(const Scratch& s, const std::string& args) {
    const std::string out = s.path("stdout.txt"), err = s.path("stderr.txt");
    const std::string cmd = "cd '" + s.dir.string() + "' && '" + SSBSIM_BINARY + "' " + args +
                            " > '" + out + "' 2> '" + err + "'";
    const int raw = std::system(cmd.c_str());
    const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    Result r{status, slurp(out), slurp(err)};
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return r;
}

// Starts `ssbsim ARGS` in the background (stdout discarded, stderr to bg.err); returns its pid.
inline pid_t spawn_ssbsim(const Scratch& s, const std::string& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const std::string cmd = "cd '" + s.dir.string() + "' && exec '" + SSBSIM_BINARY + "' " +
                                args + " > /dev/null 2> '" + s.path("bg.err") + "'";
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

// The exit status of a process from spawn_ssbsim (128 + signal if killed).
inline int wait_for(pid_t pid) {
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

inline const std::string analysis_dir = std::string(SSBSIM_SOURCE_DIR) + "/analysis/";

// A script of the source tree ("tests/python/x.py"), or an option ("-m ssbsim.plot", "-c").
inline std::string args_script(const std::string& script) {
    return script.starts_with("-") ? script
                                   : "'" + std::string(SSBSIM_SOURCE_DIR) + "/" + script + "'";
}

// Runs `python3 analysis/SCRIPT ARGS` in the scratch directory; status and output.
inline Result run_script(const Scratch& s, const std::string& script, const std::string& args) {
    const std::string out = s.path("py.out"), err = s.path("py.err");
    const std::string cmd = "cd '" + s.dir.string() + "' && " + SSBSIM_PYTHON + " '" +
                            analysis_dir + script + "' " + args + " > '" + out + "' 2> '" + err +
                            "'";
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw), slurp(out), slurp(err)};
}

// Runs `python3 SCRIPT ARGS` (SCRIPT relative to the source tree) in the scratch directory with
// the package of analysis/ importable, as after `pip install ./analysis`.
inline Result run_package(const Scratch& s, const std::string& script, const std::string& args) {
    const std::string out = s.path("py.out"), err = s.path("py.err");
    const std::string cmd = "cd '" + s.dir.string() + "' && PYTHONPATH='" + analysis_dir + "' " +
                            SSBSIM_PYTHON + " " + args_script(script) + " " + args + " > '" + out +
                            "' 2> '" + err + "'";
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw), slurp(out), slurp(err)};
}

// A number from a JSON file, by a Python expression on `d` (repr round-trips doubles exactly).
inline double py_number(const Scratch& s, const std::string& json, const std::string& expr) {
    const std::string out = s.path("value.txt");
    const std::string cmd = std::string(SSBSIM_PYTHON) +
                            " -c 'import json,sys; d = json.load(open(sys.argv[1])); "
                            "print(repr(float(eval(sys.argv[2]))))' '" +
                            s.path(json) + "' \"" + expr + "\" > '" + out + "'";
    if (std::system(cmd.c_str()) != 0)
        throw std::runtime_error("py_number: cannot evaluate " + expr + " on " + json);
    return std::stod(slurp(out));
}

} // namespace ssbsim::test
