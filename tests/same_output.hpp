// Two run outputs compared bit for bit: every dataset of /observables and /configurations (NaN
// included), for the tests that a resumed, restarted or re-laid-out run equals the plain one.
#pragma once

#include "ssbsim/io/hdf5.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

namespace ssbsim::test {

inline void require_same_output(const std::string& a, const std::string& b) {
    const h5::File fa = h5::File::open_read(a), fb = h5::File::open_read(b);
    for (const std::string group : {"observables", "configurations"})
        for (const std::string& name : fa.root().open_group(group).children()) {
            INFO(group << "/" << name);
            const auto x = fa.root().open_dataset(group + "/" + name);
            const auto y = fb.root().open_dataset(group + "/" + name);
            REQUIRE(x.shape() == y.shape());
            const std::vector<double> u = x.read_double(), v = y.read_double();
            REQUIRE(std::memcmp(u.data(), v.data(), u.size() * sizeof(double)) == 0);
        }
}

} // namespace ssbsim::test
