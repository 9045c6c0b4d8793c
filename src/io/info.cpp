// `ssbsim info FILE`: a human summary of an output file, readable while a run is still writing.
#include "ssbsim/core/errors.hpp"
#include "ssbsim/core/memory.hpp"
#include "ssbsim/core/text.hpp"
#include "ssbsim/io/live_read.hpp"
#include "ssbsim/io/output.hpp"
#include "ssbsim/io/provenance.hpp"
#include "ssbsim/io/series.hpp"

#include <functional>
#include <sstream>

namespace ssbsim {

namespace {

void list_datasets(const h5::Group& g, const std::string& prefix, std::ostream& out) {
    for (const std::string& name : g.children()) {
        const std::string path = prefix + "/" + name;
        try {
            const h5::Dataset d = g.open_dataset(name);
            out << "  " << path << "  " << shape_text(d.shape());
            if (d.has_attr("description")) out << "  " << d.read_attr_string("description");
            out << '\n';
        } catch (const IoError&) { // not a dataset: a group
            list_datasets(g.open_group(name), path, out);
        }
    }
}

// One complete reading of the file into `out`.
void describe(const std::string& path, std::ostream& out) {
    const h5::File file = h5::File::open_read(path);
    const h5::Group root = file.root();
    out << "file: " << path << '\n';
    if (root.has_attr("ssbsim_version"))
        out << "ssbsim_version: " << root.read_attr_string("ssbsim_version") << '\n';
    if (root.has_attr("dims")) {
        out << "lattice:";
        for (std::int64_t l : root.read_attr_int64s("dims"))
            out << ' ' << l;
        out << "  components: " << root.read_attr_int64("components") << '\n';
    }
    if (root.has_attr("next_eps")) { // a checkpoint: the state a --resume continues from
        out << "checkpoint: step " << root.read_attr_int64("step") << "  time "
            << root.read_attr_double("time") << "  next step size "
            << root.read_attr_double("next_eps");
        if (root.exists("configurations/field"))
            out << "  replicas " << root.open_dataset("configurations/field").shape().front();
        out << (root.has_attr("complete") ? "  complete" : "  INCOMPLETE (not usable)") << '\n';
    }
    for (const std::string group : {"observables", "configurations"}) {
        if (!root.exists(group + "/step")) continue;
        const h5::Dataset step = root.open_dataset(group + "/step");
        const std::vector<std::uint64_t> shape = step.shape();
        require_memory(saturating_product(shape.empty() ? 1 : shape.front(), 8),
                       "'" + path + "': /" + group + "/step of " +
                           (shape.empty() ? std::string("1") : std::to_string(shape.front())) +
                           " rows");
        const auto steps = step.read_int64();
        const std::size_t rows = committed_rows(steps);
        out << (group == "observables" ? "measurements: " : "saved configurations: ") << rows;
        if (rows > 0) out << "  last step: " << steps[rows - 1];
        if (rows < steps.size())
            out << "  (+" << steps.size() - rows
                << " never completely written: the run was killed during a flush)";
        out << '\n';
    }
    describe_provenance(root, out);
    out << "datasets:\n";
    list_datasets(root, "", out);
    if (root.has_attr("deck")) out << "deck:\n" << root.read_attr_string("deck");
}

} // namespace

void describe_file(const std::string& path, std::ostream& out) {
    if (!h5::is_hdf5(path)) throw InputError("'" + path + "' does not exist or is not HDF5");
    // Into a buffer first: a read during the writer's flush is retried (live_read.hpp). A damaged
    // file is bad input, as for ssbsim analyze (status 2, not an I/O error).
    try {
        out << read_retrying([&] {
            std::ostringstream text;
            describe(path, text);
            return text.str();
        });
    } catch (const IoError& e) {
        throw InputError("'" + path +
                         "' cannot be read (a truncated or damaged file?): " + e.what());
    }
}

} // namespace ssbsim
