// Private to src/deck/: the spellings of the deck's enums and the small text helpers that the
// key table (keys.cpp), the reader (reader.cpp), [scan] (scan.cpp) and the key documentation
// (keys_doc.cpp) share. The spellings of dynamics.method are the method registry's
// (dynamics/methods.hpp).
#pragma once

#include "ssbsim/deck/deck.hpp"

#include <span>
#include <string>
#include <string_view>

namespace ssbsim::deck_impl {

inline constexpr std::string_view scan_prefix = "scan.";

inline constexpr std::string_view boundary_names[] = {"periodic", "open"}; // order of Boundary
inline constexpr std::string_view form_names[] = {"mass", "hopping"};      // order of ActionForm
inline constexpr std::string_view init_names[] = {"cold", "hot", "file"};  // order of InitKind
inline constexpr std::string_view md_integrator_names[] = {"leapfrog", "omelyan"}; // MdIntegrator
inline constexpr std::string_view cluster_kind_names[] = {"wolff", "sw"};          // ClusterKind
inline constexpr std::string_view kind_names[] = {"nearest", "mean"};              // CouplingKind
inline constexpr std::string_view source_names[] = {"constant", "random", "file"}; // HSource
inline constexpr std::string_view replica_init_names[] = {"same", "independent"};  // ReplicaInit
inline constexpr std::string_view replica_noise_names[] = {"independent", "shared"};
inline constexpr std::string_view training_noise_names[] = {"independent", "shared"};

inline std::string quote(std::string_view s) {
    return "'" + std::string(s) + "'";
}

inline std::string join(std::span<const std::string_view> items, std::string_view sep) {
    std::string out;
    for (std::string_view item : items)
        out += (out.empty() ? "" : std::string(sep)) + std::string(item);
    return out;
}

// "an integer"/"integers" or "a real number"/"real numbers", for the type of a numeric key.
inline std::string_view noun(KeyType type, bool plural) {
    const bool integral = type == KeyType::integer || type == KeyType::integers;
    if (plural) return integral ? "integers" : "real numbers";
    return integral ? "an integer" : "a real number";
}

} // namespace ssbsim::deck_impl
