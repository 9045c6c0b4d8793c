// `ssbsim measure FILE`: the observables of the configurations saved in a file, recomputed and
// written as a new output of the usual layout (docs/output.md): /observables, /layers with a
// [network] geometry, /replicas when the file holds every replica's field, and /configurations
// copied. Serves old runs measured with newer observables and weights imported from training
// (ssbsim.torch, analysis/ssbsim/torch.py). A configuration of an ssbsim run is re-measured bit for
// bit. Tested by tests/test_measure.cpp.
#pragma once

#include <ostream>
#include <string>

namespace ssbsim {

struct MeasureRequest {
    std::string input;
    std::string output; // empty: <input stem>_measured.h5 beside the input
    bool overwrite = false;
};

// Throws InputError for a file that is not an ssbsim output (no deck, no configurations, a
// configuration not completely written) and for an existing output without `overwrite`.
void measure_file(const MeasureRequest& request, std::ostream& log);

} // namespace ssbsim
