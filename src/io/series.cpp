#include "ssbsim/io/series.hpp"

#include <algorithm>

namespace ssbsim {

namespace {

constexpr std::uint64_t chunk_rows = 256;

std::size_t row_width(const std::vector<std::uint64_t>& shape, std::size_t skip) {
    std::size_t w = 1;
    for (std::size_t i = skip; i < shape.size(); ++i)
        w *= shape[i];
    return w;
}

} // namespace

Series::Series(h5::Group& parent, const std::string& name, const std::string& description,
               const std::vector<ColumnSpec>& columns)
    : group_(parent.create_group(name)),
      step_(group_.create_extendible("step", h5::Dtype::i64, {}, chunk_rows, 0)) {
    group_.write_attr("description", description);
    step_.write_attr("units", std::string("steps"));
    step_.write_attr("description", std::string("number of completed steps at the measurement"));
    for (const ColumnSpec& c : columns) {
        h5::Dataset d = group_.create_extendible(
            c.name, h5::Dtype::f64, c.row_shape,
            std::clamp<std::uint64_t>((std::uint64_t{1} << 17) / row_width(c.row_shape, 0), 1,
                                      chunk_rows),
            0); // chunks <= 1 MiB (wide rows: replicas x long correlators)
        d.write_attr("units", c.units);
        d.write_attr("description", c.description);
        widths_.push_back(row_width(c.row_shape, 0));
        columns_.push_back(std::move(d));
    }
}

Series::Series(const h5::Group& parent, const std::string& name,
               const std::vector<std::string>& names)
    : group_(parent.open_group(name)), step_(group_.open_dataset("step")) {
    for (const std::string& n : names) {
        columns_.push_back(group_.open_dataset(n));
        widths_.push_back(row_width(columns_.back().shape(), 1));
    }
}

void Series::append(std::int64_t step, std::span<const double> values) {
    pending_steps_.push_back(step);
    pending_values_.insert(pending_values_.end(), values.begin(), values.end());
}

void Series::write_pending() {
    const std::size_t rows = pending_steps_.size();
    if (rows == 0) return;
    std::size_t stride = 0;
    for (std::size_t w : widths_)
        stride += w;
    step_.append(pending_steps_.data(), rows);
    std::vector<double> column;
    std::size_t offset = 0;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        column.resize(rows * widths_[c]);
        for (std::size_t r = 0; r < rows; ++r)
            std::copy_n(pending_values_.begin() + static_cast<std::ptrdiff_t>(r * stride + offset),
                        widths_[c], column.begin() + static_cast<std::ptrdiff_t>(r * widths_[c]));
        columns_[c].append(column.data(), rows);
        offset += widths_[c];
    }
    pending_steps_.clear();
    pending_values_.clear();
}

std::vector<std::int64_t> Series::steps() const {
    return step_.read_int64();
}

void Series::truncate(std::uint64_t rows) {
    step_.truncate_rows(rows);
    for (h5::Dataset& d : columns_)
        d.truncate_rows(rows);
}

} // namespace ssbsim
