#include "result_table.hpp"

#include <cstdio>
#include <string>

#include "measure.hpp"

namespace tidewire::bench {

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

namespace tidewire::bench {

namespace {

std::string persistence_name(const fanout_scenario& s) {
  return s.persistence ? mode_name(*s.persistence) : "off";
}

const fanout_result* baseline_of(const std::vector<fanout_result>& rows,
                                 const fanout_result& r) {
  for (const auto& b : rows)
    if (!b.what.persistence && b.what.subscribers == r.what.subscribers
        && b.what.payload == r.what.payload && b.error.empty())
      return &b;
  return nullptr;
}

std::string ratio(double value, double base) {
  return base > 0 ? fmt("%.2f", value / base) : "-";
}

} // namespace

void print_table(std::ostream& out, const std::vector<fanout_result>& rows) {
  out << "| persistence | subscribers | payload | published | publish/s "
         "| vs off | deliveries/s | vs off | ack p50 us | ack p99 us |\n"
         "|-------------|------------:|--------:|----------:|----------:"
         "|-------:|-------------:|-------:|-----------:|-----------:|\n";
  for (const auto& r : rows) {
    out << "| " << persistence_name(r.what) << " | " << r.what.subscribers
        << " | " << r.what.payload << " B | ";
    if (!r.error.empty()) {
      out << "error: " << r.error << " ||||||\n";
      continue;
    }
    auto publish_rate = rate(r.published, r.publish_seconds);
    auto deliver_rate = rate(r.delivered, r.deliver_seconds);
    const auto* base = baseline_of(rows, r);
    out << r.published << " | " << fmt("%.0f", publish_rate) << " | "
        << (base ? ratio(publish_rate, rate(base->published,
                                            base->publish_seconds))
                 : "-")
        << " | " << fmt("%.0f", deliver_rate) << " | "
        << (base ? ratio(deliver_rate, rate(base->delivered,
                                            base->deliver_seconds))
                 : "-")
        << " | " << fmt("%.0f", r.ack_p50_us) << " | "
        << fmt("%.0f", r.ack_p99_us) << " |\n";
  }
}

} // namespace tidewire::bench
