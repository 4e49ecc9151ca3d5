// The HTTP publish scenario: K keep-alive connections, one request in
// flight each, share the publishes; no subscribers.

#include "ws_scenario.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "http_publisher.hpp"
#include "io_pool.hpp"

namespace tidewire::bench {

http_result run_http(const node_address& node, size_t clients,
                     const std::string& channel, uint64_t count,
                     double seconds, size_t payload, const run_limits& limits) {
  http_result res;
  res.clients = clients;
  boost::asio::ip::tcp::endpoint ep;
  if (!to_endpoint(node, &ep, &res.error))
    return res;
  io_pool pool{limits.threads};
  progress prog;
  std::vector<std::shared_ptr<http_publisher>> pubs;
  for (size_t i = 0; i < clients; ++i) {
    auto share = count / clients + (i < count % clients ? 1 : 0);
    pubs.push_back(std::make_shared<http_publisher>(
      pool.context(), ep, prog, channel, std::max<uint64_t>(share, 1), seconds,
      payload));
    pubs.back()->start();
  }
  auto deadline = clock_type::now()
                  + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>(seconds + limits.timeout));
  // Failures end a publisher too, so wait for all of them either way.
  auto r = prog.wait(phase::finished, clients, deadline, true);
  pool.stop();

  latency_histogram latency;
  auto first = clock_type::time_point::max();
  auto last = clock_type::time_point::min();
  for (size_t i = 0; i < pubs.size(); ++i) {
    const auto& s = pubs[i]->summary();
    if (!s.error.empty() && res.error.empty())
      res.error = "connection " + std::to_string(i + 1) + ": " + s.error;
    res.stored += s.stored;
    res.rejected += s.rejected;
    latency.merge(s.latency);
    if (s.sent > 0) {
      first = std::min(first, s.first_send);
      last = std::max(last, s.last_answer);
    }
  }
  if (r == wait_result::timed_out && res.error.empty())
    res.error = "timed out after " + fmt("%.0f", seconds + limits.timeout) + " s";
  res.seconds = res.stored + res.rejected > 0
                  ? std::chrono::duration<double>(last - first).count()
                  : 0;
  res.p50_us = latency.quantile_us(0.50);
  res.p99_us = latency.quantile_us(0.99);
  return res;
}

} // namespace tidewire::bench
