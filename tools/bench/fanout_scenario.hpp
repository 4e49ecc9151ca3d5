#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "storage/replay_store.hpp"

namespace tidewire::bench {

struct fanout_scenario {
  // nullopt: persistence off, a memory-only channel (the node's
  // --durability=none); otherwise the channel persists through a store
  // opened in this mode before it fans out.
  std::optional<storage::durability> persistence;
  size_t subscribers;
  size_t payload; // bytes of update data
};

struct fanout_result {
  fanout_scenario what;
  std::string error; // empty when the run succeeded
  uint64_t published = 0;     // acknowledged publishes
  double publish_seconds = 0; // first publish to last ack
  uint64_t delivered = 0;     // updates received, summed over subscribers
  double deliver_seconds = 0; // first publish to the last update received
  double ack_p50_us = 0;      // publish request to its ack
  double ack_p99_us = 0;
};

// Publishers keep this many publishes in flight each, so a persisting
// channel has a queue to group-commit, as under a real burst.
inline constexpr size_t publish_window = 64;
inline constexpr size_t publishers = 4;

// Spawns one channel actor (with store actors in `dir` when persistence is
// on; `dir` must not exist) and `subscribers` subscriber actors, then
// publishes up to `count` updates for at most `seconds` and waits until
// every subscriber has received every acknowledged update. A subscriber that
// misses or repeats a seq makes the run an error.
fanout_result run_fanout(caf::actor_system& sys, const fanout_scenario& s,
                         const std::string& dir, uint64_t count,
                         double seconds);

} // namespace tidewire::bench
