#include "ssbsim/core/memory.hpp"

#include "ssbsim/core/errors.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace ssbsim {

namespace {

constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

std::optional<std::uint64_t> read_number(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text == "max") return std::nullopt;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (end == text.c_str()) return std::nullopt;
    return static_cast<std::uint64_t>(v);
}

std::optional<std::uint64_t> meminfo_available() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return std::nullopt;
}

// This process's cgroup directory under /sys/fs/cgroup (v2: the "0::" line; v1: the memory
// controller's line).
std::optional<std::uint64_t> cgroup_room() {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    std::optional<std::uint64_t> room;
    while (std::getline(in, line)) {
        const auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        const std::string controllers = line.substr(a + 1, b - a - 1);
        const std::string path = line.substr(b + 1);
        std::optional<std::uint64_t> limit, usage;
        if (controllers.empty()) {
            limit = read_number("/sys/fs/cgroup" + path + "/memory.max");
            usage = read_number("/sys/fs/cgroup" + path + "/memory.current");
        } else if (controllers.find("memory") != std::string::npos) {
            limit = read_number("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes");
            usage = read_number("/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes");
        }
        if (limit && *limit < (std::uint64_t{1} << 60)) {
            const std::uint64_t r = *limit > usage.value_or(0) ? *limit - usage.value_or(0) : 0;
            room = std::min(room.value_or(unlimited), r);
        }
    }
    return room;
}

} // namespace

std::optional<std::uint64_t> available_memory() {
    if (const char* env = std::getenv("SSBSIM_MEMORY_AVAILABLE"); env && *env) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(env, &end, 10);
        if (end != env && *end == '\0') return static_cast<std::uint64_t>(v);
    }
    const std::optional<std::uint64_t> meminfo = meminfo_available(), cgroup = cgroup_room();
    if (!meminfo) return cgroup;
    if (!cgroup) return meminfo;
    return std::min(*meminfo, *cgroup);
}

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
    if (a != 0 && b > unlimited / a) return unlimited;
    return a * b;
}

std::string byte_text(std::uint64_t bytes) {
    if (bytes == unlimited) return "more than 16 EiB";
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        ++u;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buffer;
}

void require_memory(std::uint64_t bytes, const std::string& what) {
    const std::optional<std::uint64_t> available = available_memory();
    if (!available || bytes <= *available) return;
    throw InputError(what + " needs at least " + byte_text(bytes) + " of memory, but only " +
                     byte_text(*available) +
                     " are available (MemAvailable in /proc/meminfo and the cgroup limit)");
}

} // namespace ssbsim
