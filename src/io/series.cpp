#include "ssbsim/io/series.hpp"

#include "ssbsim/core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

namespace ssbsim {

namespace {

std::uint64_t row_size(const std::vector<std::uint64_t>& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::uint64_t{1}, std::multiplies<>());
}

// Elements per row of an existing table.
std::uint64_t row_width(const h5::Dataset& table) {
    const std::vector<std::uint64_t> shape = table.shape();
    return row_size(std::vector<std::uint64_t>(shape.begin() + 1, shape.end()));
}

std::string table_name(const std::string& name) {
    return "records/" + name;
}

void describe(h5::Object& o, const std::string& units, const std::string& description) {
    o.write_attr("units", units);
    o.write_attr("description", description);
}

} // namespace

std::size_t committed_rows(const std::vector<std::int64_t>& steps) {
    std::size_t n = 0;
    while (n < steps.size() && steps[n] >= 0 && (n == 0 || steps[n] > steps[n - 1]))
        ++n;
    return n;
}

struct Series::Layout {
    std::vector<std::uint64_t> row_shape;
    std::vector<std::int64_t> offsets, widths; // step first
};

namespace {

Series::Layout layout_of(const std::vector<ColumnSpec>& columns, bool shaped_last) {
    Series::Layout t;
    std::uint64_t next = 0;
    auto place = [&](std::uint64_t width) {
        t.offsets.push_back(static_cast<std::int64_t>(next));
        t.widths.push_back(static_cast<std::int64_t>(width));
        next += width;
    };
    place(1);
    const std::size_t header = shaped_last ? columns.size() - 1 : columns.size();
    for (std::size_t i = 0; i < header; ++i)
        place(row_size(columns[i].row_shape));
    if (!shaped_last) {
        t.row_shape = {next};
        return t;
    }
    const std::vector<std::uint64_t>& shape = columns.back().row_shape;
    if (shape.empty()) throw std::logic_error("Series: shaped_last needs a shaped last column");
    const std::uint64_t slab = row_size(shape) / shape.front();
    const std::uint64_t slabs = (next + slab - 1) / slab;
    t.row_shape = shape;
    t.row_shape.front() += slabs;
    next = slabs * slab;
    place(row_size(shape));
    return t;
}

} // namespace

Series::Series(h5::Group& root, const std::string& name, const std::string& description,
               const std::vector<ColumnSpec>& columns, int gzip_level, bool shaped_last)
    : Series(root, name, description, columns, gzip_level, layout_of(columns, shaped_last)) {}

Series::Series(h5::Group& root, const std::string& name, const std::string& description,
               const std::vector<ColumnSpec>& columns, int gzip_level, const Layout& layout)
    : table_(root.create_table(table_name(name), layout.row_shape, gzip_level)),
      width_(row_size(layout.row_shape)), offsets_(layout.offsets), widths_(layout.widths) {
    std::vector<std::string> names = {"step"};
    for (const ColumnSpec& c : columns)
        names.push_back(c.name);
    describe(table_, "", "the rows of /" + name + " (docs/output.md, /records)");
    table_.write_attr("columns", names);
    table_.write_attr("offsets", offsets_);
    table_.write_attr("widths", widths_);

    h5::Group group = root.create_group(name);
    group.write_attr("description", description);
    h5::Dataset step = group.create_view("step", h5::Dtype::i64, {}, table_, 0);
    describe(step, "steps", "number of completed steps when the row was recorded");
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const ColumnSpec& c = columns[i];
        h5::Dataset d = group.create_view(c.name, h5::Dtype::f64, c.row_shape, table_,
                                          static_cast<std::uint64_t>(offsets_[i + 1]));
        describe(d, c.units, c.description);
    }
}

Series::Series(const h5::Group& root, const std::string& name)
    : table_(root.open_dataset(table_name(name))), width_(row_width(table_)),
      offsets_(table_.read_attr_int64s("offsets")), widths_(table_.read_attr_int64s("widths")) {}

void Series::append(std::int64_t step, std::span<const double> values) {
    if (values.size() + 1 != static_cast<std::size_t>(std::reduce(widths_.begin(), widths_.end())))
        throw std::logic_error("Series::append: row of the wrong width for " + table_.name());
    const std::size_t start = pending_.size();
    pending_.resize(start + width_, std::numeric_limits<double>::quiet_NaN()); // fill between
    double* row = pending_.data() + start;
    row[0] = static_cast<double>(step);
    const double* next = values.data();
    for (std::size_t i = 1; i < offsets_.size(); ++i) {
        std::copy_n(next, widths_[i], row + offsets_[i]);
        next += widths_[i];
    }
}

void Series::write_pending() {
    table_.append(pending_.data(), pending());
    pending_.clear();
}

void Series::write_row(std::int64_t step, std::initializer_list<std::span<const double>> pieces) {
    if (pieces.size() + 1 != offsets_.size())
        throw std::logic_error("Series::write_row: wrong number of columns for " + table_.name());
    const std::span<const double> last = *(pieces.end() - 1);
    std::vector<std::span<const double>> header(pieces.begin(), pieces.end() - 1);
    write_row_from(step, header, 1, [&](std::vector<double>&) { return last; });
}

void Series::write_row(std::int64_t step, std::initializer_list<std::span<const double>> pieces,
                       std::size_t parts, const NextPart& next_part) {
    if (pieces.size() + 2 != offsets_.size())
        throw std::logic_error("Series::write_row: wrong number of columns for " + table_.name());
    write_row_from(step, std::vector<std::span<const double>>(pieces), parts, next_part);
}

void Series::write_row_from(std::int64_t step, const std::vector<std::span<const double>>& header,
                            std::size_t parts, const NextPart& next_part) {
    const std::uint64_t row = table_.extend_rows(1);
    try {
        const double s = static_cast<double>(step);
        table_.write_part(row, 0, &s, 1);
        std::size_t i = 1;
        for (const std::span<const double> p : header)
            table_.write_part(row, static_cast<std::uint64_t>(offsets_[i++]), p.data(), p.size());
        // The last column, part after part at increasing offsets; one buffer for all parts.
        std::uint64_t offset = static_cast<std::uint64_t>(offsets_[i]);
        std::vector<double> buffer;
        for (std::size_t k = 0; k < parts; ++k) {
            const std::span<const double> p = next_part(buffer);
            table_.write_part(row, offset, p.data(), p.size());
            offset += p.size();
        }
        if (offset != static_cast<std::uint64_t>(offsets_[i] + widths_[i]))
            throw std::logic_error("Series::write_row: the parts of the last column of " +
                                   table_.name() + " do not fill it");
    } catch (...) { // a failed write, or a part that never came (a peer's MPI error)
        // A resumed run appends after the last row: leave no row of fill values behind.
        table_.truncate_rows(row);
        throw;
    }
}

std::vector<std::int64_t> Series::steps() const {
    const std::vector<double> column = table_.read_element(0);
    std::vector<std::int64_t> steps;
    for (const double s : column) {
        if (!std::isfinite(s)) break;
        steps.push_back(static_cast<std::int64_t>(s));
    }
    steps.resize(committed_rows(steps));
    return steps;
}

void Series::truncate(std::uint64_t rows) {
    table_.truncate_rows(rows);
}

SeriesData read_series(const h5::Group& root, const std::string& name,
                       const std::vector<std::string>& skip) {
    const h5::Dataset table = root.open_dataset(table_name(name));
    const std::vector<std::string> names = table.read_attr_strings("columns");
    const std::vector<std::int64_t> offsets = table.read_attr_int64s("offsets");
    const std::vector<std::int64_t> widths = table.read_attr_int64s("widths");
    const std::uint64_t width = row_width(table);
    if (names.empty() || names.size() != offsets.size() || names.size() != widths.size() ||
        names.front() != "step")
        throw IoError("HDF5: the layout attributes of " + table.name() + " do not match");
    const h5::Group views = root.open_group(name);
    SeriesData data;
    std::vector<bool> wanted(names.size(), false);
    for (std::size_t i = 1; i < names.size(); ++i) {
        wanted[i] = std::find(skip.begin(), skip.end(), names[i]) == skip.end();
        if (!wanted[i]) continue;
        const std::vector<std::uint64_t> shape = views.open_dataset(names[i]).shape();
        SeriesData::Column& c = data.columns[names[i]];
        if (shape.size() > 1) c.row_shape.assign(shape.begin() + 1, shape.end());
        if (row_size(c.row_shape) != static_cast<std::uint64_t>(widths[i]))
            throw IoError("HDF5: column " + names[i] + " of " + table.name() +
                          " has a width that does not match its view");
    }
    const std::uint64_t rows = table.shape().front();
    data.steps.reserve(rows);
    for (auto& [n, c] : data.columns)
        c.values.reserve(rows * row_size(c.row_shape));
    std::vector<std::vector<double>*> out(names.size(), nullptr);
    for (std::size_t i = 1; i < names.size(); ++i)
        if (wanted[i]) out[i] = &data.columns[names[i]].values;
    const std::uint64_t block = std::max<std::uint64_t>(1, (std::uint64_t{1} << 20) / width);
    for (std::uint64_t first = 0; first < rows; first += block) {
        const std::uint64_t n = std::min(block, rows - first);
        const std::vector<double> part = table.read_rows_double(first, n);
        for (std::uint64_t r = 0; r < n; ++r) {
            const double* row = part.data() + r * width;
            data.steps.push_back(std::isnan(row[0]) ? std::numeric_limits<std::int64_t>::min()
                                                    : static_cast<std::int64_t>(row[0]));
            for (std::size_t i = 1; i < names.size(); ++i)
                if (out[i])
                    out[i]->insert(out[i]->end(), row + offsets[i], row + offsets[i] + widths[i]);
        }
    }
    return data;
}

} // namespace ssbsim
