#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/cluster/cluster_view.hpp"
#include "actors/messages.hpp"

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
  std::atomic<uint64_t> http_rate_limited_total{0}; // 429 answers
  // Security: requests refused for framing or Origin, tokens refused,
  // connections refused by a connection limit, WebSockets closed for abuse.
  std::atomic<uint64_t> http_refused_total{0};
  std::atomic<uint64_t> auth_failures_total{0};
  std::atomic<uint64_t> connections_refused_total{0};
  std::atomic<uint64_t> ws_abuse_closes_total{0};
  // TLS port: failed handshakes and plain-HTTP requests refused.
  std::atomic<uint64_t> tls_handshake_failures_total{0};

  // Prometheus text exposition format 0.0.4.
  std::string render() const;
};

// Per-channel gauges in the same format, from the directory's channel list:
// how many channels, and each one's head seq, retained updates and
// subscribers, labelled with its name and kind.
std::string render_channels(const std::vector<channel_info>& channels);

// Membership gauges from this node's cluster view: members by state, each
// member's state and whether this node sees a majority.
std::string render_cluster(const cluster::cluster_view& view);

inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

} // namespace tidewire::net
