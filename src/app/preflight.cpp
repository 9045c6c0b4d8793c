#include "ssbsim/app/preflight.hpp"

#include "ssbsim/core/memory.hpp"
#include "ssbsim/dynamics/methods.hpp"

namespace ssbsim {

std::uint64_t run_memory_bytes(const Config& config) {
    std::uint64_t sites = 1;
    for (const std::int64_t l : config.lattice.dims)
        sites = saturating_product(sites, static_cast<std::uint64_t>(l));
    const std::uint64_t field = saturating_product(
        saturating_product(sites, static_cast<std::uint64_t>(config.field.components)),
        sizeof(double));
    const auto replicas = static_cast<std::uint64_t>(config.run.replicas);
    const MethodSpec& spec = method_spec(config.dynamics.method);
    // Per replica φ, and p with its cached force for the momentum methods; the integrator's
    // own fields once (replicas share it on a lattice large enough to matter).
    std::uint64_t copies =
        replicas * (spec.momentum ? 3 : 1) + static_cast<std::uint64_t>(spec.scratch_fields);
    copies += config.action.h_source == HSource::constant ? 0 : 1;
    copies += 1; // the site-major buffer of a saved configuration or checkpoint
    return saturating_product(field, copies);
}

RunPaths preflight(const Config& config, const RunMode& mode) {
    std::string sizes;
    for (const std::int64_t l : config.lattice.dims)
        sizes += (sizes.empty() ? "" : " x ") + std::to_string(l);
    require_memory(run_memory_bytes(config),
                   "lattice.dims = " + sizes + " with " + std::to_string(config.field.components) +
                       " components and " + std::to_string(config.run.replicas) + " replica(s)");
    RunPaths paths = plan_paths(config);
    // An existing output may be continued or found complete: run() decides once it holds the lock.
    check_run_paths(config, paths, {mode.deck_file, mode.resume || mode.skip_complete});
    return paths;
}

void preflight_scan(const std::vector<Config>& points, const std::vector<std::string>& labels,
                    const std::vector<std::size_t>& selected, const RunMode& mode) {
    if (points.size() > 1) {
        std::vector<RunPaths> paths;
        for (const Config& c : points)
            paths.push_back(plan_paths(c));
        check_distinct_points(paths, labels);
    }
    for (const std::size_t i : selected)
        preflight(points[i], mode);
}

} // namespace ssbsim
