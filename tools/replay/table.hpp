#pragma once

// Left-aligned text columns, sized to their widest cell.

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace tidewire::replay {

class text_table {
public:
  explicit text_table(std::vector<std::string> header)
    : rows_{std::move(header)} {}

  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  // The last column is not padded, so long values (data) stay intact.
  void print(std::ostream& out) const {
    std::vector<size_t> width(rows_[0].size(), 0);
    for (auto& r : rows_)
      for (size_t i = 0; i < r.size() && i < width.size(); ++i)
        width[i] = std::max(width[i], r[i].size());
    for (auto& r : rows_) {
      for (size_t i = 0; i < r.size(); ++i) {
        out << r[i];
        if (i + 1 < r.size())
          out << std::string(width[i] - r[i].size() + 2, ' ');
      }
      out << '\n';
    }
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

} // namespace tidewire::replay
