#pragma once

#include <atomic>
#include <cstdint>
#include <string>

// Counters of the network layer, rendered at GET /metrics. Relaxed atomics:
// they are statistics, never used to synchronise anything.
namespace tidewire::net {

struct metrics {
  std::atomic<int64_t> http_connections_open{0};
  std::atomic<uint64_t> http_requests_total{0};
  std::atomic<int64_t> ws_connections_open{0};
  std::atomic<uint64_t> ws_connections_total{0};
  std::atomic<uint64_t> ws_messages_in_total{0};   // WebSocket messages read
  std::atomic<uint64_t> ws_bytes_in_total{0};
  std::atomic<uint64_t> ws_messages_out_total{0};  // WebSocket messages written
  std::atomic<uint64_t> ws_frames_out_total{0};    // protocol messages in them
  std::atomic<uint64_t> ws_bytes_out_total{0};
  std::atomic<uint64_t> ws_protocol_errors_total{0};
  std::atomic<uint64_t> http_publishes_total{0};

  // Prometheus text exposition format 0.0.4.
  std::string render() const;
};

inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

} // namespace tidewire::net
