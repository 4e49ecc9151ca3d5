#include "ws_table.hpp"

#include <string>

#include "measure.hpp"

namespace tidewire::bench {

namespace {

std::string ms(double us) {
  return fmt("%.2f", us / 1000);
}

std::string mib(uint64_t bytes) {
  return fmt("%.1f", static_cast<double>(bytes) / (1 << 20));
}

} // namespace

void print_table(std::ostream& out, const std::vector<fanout_result>& rows) {
  out << "| subscribers | target/s | published | publish/s | delivered "
         "| delivered/s | updates/msg | latency p50 ms | p99 ms | max ms "
         "| ack p99 ms |\n"
         "|------------:|---------:|----------:|----------:|----------:"
         "|------------:|------------:|---------------:|-------:|-------:"
         "|-----------:|\n";
  for (const auto& r : rows) {
    out << "| " << r.what.subscribers << " | " << fmt("%.0f", r.what.rate)
        << " | ";
    if (!r.error.empty()) {
      out << "error: " << r.error << " |||||||||\n";
      continue;
    }
    out << r.published << " | " << fmt("%.0f", rate(r.published, r.publish_seconds))
        << " | " << r.delivered << " | "
        << fmt("%.0f", rate(r.delivered, r.deliver_seconds)) << " | "
        << fmt("%.1f", r.messages > 0 ? static_cast<double>(r.delivered)
                                             / static_cast<double>(r.messages)
                                       : 0)
        << " | " << ms(r.latency_p50_us) << " | " << ms(r.latency_p99_us) << " | "
        << ms(r.latency_max_us) << " | " << ms(r.ack_p99_us) << " |\n";
  }
}

void print_table(std::ostream& out, const std::vector<memory_result>& rows) {
  out << "| idle subscribers | RSS before MiB | RSS open MiB | bytes/connection "
         "| RSS after close MiB |\n"
         "|-----------------:|---------------:|-------------:|-----------------:"
         "|--------------------:|\n";
  for (const auto& r : rows) {
    out << "| " << r.connections << " | ";
    if (!r.error.empty()) {
      out << "error: " << r.error << " ||||\n";
      continue;
    }
    auto grown = static_cast<double>(r.rss_open) - static_cast<double>(r.rss_before);
    out << mib(r.rss_before) << " | " << mib(r.rss_open) << " | "
        << fmt("%.0f", grown / static_cast<double>(r.connections)) << " | "
        << mib(r.rss_after) << " |\n";
  }
}

void print_table(std::ostream& out, const std::vector<http_result>& rows) {
  out << "| HTTP connections | stored | publish/s | p50 ms | p99 ms | 429s |\n"
         "|-----------------:|-------:|----------:|-------:|-------:|-----:|\n";
  for (const auto& r : rows) {
    out << "| " << r.clients << " | ";
    if (!r.error.empty()) {
      out << "error: " << r.error << " |||||\n";
      continue;
    }
    out << r.stored << " | " << fmt("%.0f", rate(r.stored, r.seconds)) << " | "
        << ms(r.p50_us) << " | " << ms(r.p99_us) << " | " << r.rejected
        << " |\n";
  }
}

void print_table(std::ostream& out, const std::vector<storm_result>& rows) {
  out << "| clients | behind | drop s | all caught up s | updates resent "
         "| updates/s | node CPU s | bench CPU s |\n"
         "|--------:|-------:|-------:|----------------:|---------------:"
         "|----------:|-----------:|------------:|\n";
  for (const auto& r : rows) {
    out << "| " << r.what.subscribers << " | " << r.what.behind << " | ";
    if (!r.error.empty()) {
      out << "error: " << r.error << " ||||||\n";
      continue;
    }
    out << fmt("%.2f", r.drop_seconds) << " | " << fmt("%.2f", r.catchup_seconds)
        << " | " << r.delivered << " | "
        << fmt("%.0f", rate(r.delivered, r.catchup_seconds)) << " | "
        << fmt("%.2f", r.node_cpu_seconds) << " | "
        << fmt("%.2f", r.bench_cpu_seconds) << " |\n";
  }
}

} // namespace tidewire::bench
