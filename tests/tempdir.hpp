// A fresh directory per test case, removed with everything in it when the case ends: for tests
// that write HDF5 files through the library rather than through the ssbsim program (cli.hpp's
// Scratch is for those).
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <unistd.h>

namespace ssbsim::test {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix) {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() /
               (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path / name).string(); }
};

} // namespace ssbsim::test
