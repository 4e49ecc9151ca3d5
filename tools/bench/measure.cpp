#include "measure.hpp"

#include <algorithm>
#include <cstdio>

namespace tidewire::bench {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::string payload_of(size_t size, uint64_t n) {
  std::string out = "{\"n\":" + std::to_string(n) + ",\"p\":\"";
  if (size > out.size() + 2)
    out.append(size - out.size() - 2, 'x');
  out += "\"}";
  return out;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k),
                   v.end());
  return v[k];
}

double rate(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

} // namespace tidewire::bench
