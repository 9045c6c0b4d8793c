// How much memory this process may still allocate, and the refusal of a run (or a file) that
// needs more, with status 2 before anything is allocated instead of std::bad_alloc (status 1)
// part way. Tested by tests/test_paths.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ssbsim {

// The smaller of /proc/meminfo's MemAvailable and the room left under this process's cgroup
// memory limit (v2 memory.max - memory.current, or v1 limit - usage); nothing if neither can be
// read. Overridden by the environment variable SSBSIM_MEMORY_AVAILABLE (bytes), for tests and
// for batch systems that enforce a limit the kernel does not show.
std::optional<std::uint64_t> available_memory();

// Throws InputError "<what> needs N bytes (...), but only M are available" when `bytes` exceeds
// the available memory. Saturating arithmetic is the caller's: pass UINT64_MAX for overflow.
void require_memory(std::uint64_t bytes, const std::string& what);

// a * b, or UINT64_MAX when the product does not fit.
std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b);

// "1.5 GiB"
std::string byte_text(std::uint64_t bytes);

} // namespace ssbsim
