#include "result_table.hpp"

#include <cstdio>
#include <string>

namespace tidewire::bench {

namespace {

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

double rate(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

} // namespace

void print_table(std::ostream& out, const std::vector<scenario_result>& rows) {
  out << "| mode | payload | batch | records | append rec/s | append MiB/s "
         "| append p50 us | append p99 us | catch-up rec/s |\n"
         "|------|--------:|------:|--------:|-------------:|-------------:"
         "|--------------:|--------------:|---------------:|\n";
  for (const auto& r : rows) {
    out << "| " << mode_name(r.what.mode) << " | " << r.what.payload << " B | "
        << r.what.batch << " | ";
    if (!r.error.empty()) {
      out << "error: " << r.error << " |||||\n";
      continue;
    }
    auto mib = static_cast<double>(r.appended * r.what.payload) / (1 << 20);
    out << r.appended << " | " << fmt("%.0f", rate(r.appended, r.append_seconds))
        << " | " << fmt("%.1f", r.append_seconds > 0 ? mib / r.append_seconds : 0)
        << " | " << fmt("%.0f", r.p50_us) << " | " << fmt("%.0f", r.p99_us)
        << " | " << fmt("%.0f", rate(r.read, r.read_seconds)) << " |\n";
  }
}

} // namespace tidewire::bench
