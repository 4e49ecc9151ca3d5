#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "node_process.hpp"

// The scenarios of ws_bench. Each runs its own network threads and
// connections against one node and returns a result row; none throws, and
// every wait is bounded by the limits it is given.
namespace tidewire::bench {

// Limits shared by the scenarios.
struct run_limits {
  size_t threads;  // network threads of the run
  double timeout;  // seconds for each wait: connecting, catching up, closing
  size_t connect_window = 128; // handshakes in progress at once, at most
  bool msgpack = false; // connections speak tidewire.v1.msgpack, not JSON
};

struct fanout_params {
  size_t subscribers;
  std::string channel;
  double rate;      // target publishes/s
  uint64_t count;   // publishes, at most
  double seconds;   // publish phase, at most
  size_t payload;   // bytes of update data
  size_t window;    // publishes awaiting their ack, at most
};

struct fanout_result {
  fanout_params what;
  std::string error;             // empty when every check passed
  uint64_t published = 0;        // acknowledged publishes
  double publish_seconds = 0;    // first publish sent to last ack
  uint64_t delivered = 0;        // updates received, summed over subscribers
  uint64_t messages = 0;         // WebSocket messages that carried them
  double deliver_seconds = 0;    // first publish sent to last update received
  double latency_p50_us = 0;     // publish sent to update received
  double latency_p99_us = 0;
  double latency_max_us = 0;
  double ack_p99_us = 0;         // publish sent to its `published`
};

// N subscribers and one WebSocket publisher on `what.channel`: publishes at
// the target rate, then waits until every subscriber has the last
// acknowledged seq. An error if a publish was refused or a subscriber missed,
// repeated or reordered a seq.
fanout_result run_fanout(const node_address& node, const fanout_params& what,
                         const run_limits& limits);

struct memory_result {
  size_t connections = 0;
  std::string error;
  uint64_t rss_before = 0; // bytes, no clients
  uint64_t rss_open = 0;   // bytes, `connections` idle subscribers
  uint64_t rss_after = 0;  // bytes, after they all closed
};

// The node's RSS with no clients, with `connections` idle subscribers on
// `channel`, and after they closed. `node` must have no other clients.
memory_result run_memory(const node_process& node, size_t connections,
                         const std::string& channel, const run_limits& limits);

struct storm_params {
  size_t subscribers;
  std::string channel;
  uint64_t behind;  // updates published while they are away
  size_t payload;   // bytes of update data
  size_t window;    // publishes awaiting their ack, at most
};

struct storm_result {
  storm_params what;
  std::string error;          // empty when every check passed
  double drop_seconds = 0;    // closing all N until their read loops ended
  double catchup_seconds = 0; // first reconnect to the last missing update
  uint64_t delivered = 0;     // updates received while resuming, summed
  // CPU used from the first reconnect until all caught up: the node's (0
  // with --connect) and the bench's own (every client of the run).
  double node_cpu_seconds = 0;
  double bench_cpu_seconds = 0;
};

// A reconnect storm: N subscribers connect, drop at once, `behind` updates
// are published meanwhile, and N resume at once from the seq they had. An
// error unless every one is `recovered` and gets exactly the missing
// updates, once each and in order.
// `process` (null with --connect) is the node whose CPU time is read.
storm_result run_storm(const node_address& node, const node_process* process,
                       const storm_params& what, const run_limits& limits);

struct http_result {
  size_t clients = 0;
  std::string error;
  uint64_t stored = 0;    // 200 answers
  uint64_t rejected = 0;  // 429 answers
  double seconds = 0;     // first request to last answer
  double p50_us = 0;      // request to answer
  double p99_us = 0;
};

// `clients` keep-alive connections, one POST in flight each, sharing up to
// `count` publishes for at most `seconds`.
http_result run_http(const node_address& node, size_t clients,
                     const std::string& channel, uint64_t count,
                     double seconds, size_t payload, const run_limits& limits);

} // namespace tidewire::bench
