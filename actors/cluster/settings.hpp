#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tidewire::cluster {

// --replication: whether a publish is acknowledged only once the channel's
// replica has it (sync) or as soon as the owner has it (async).
enum class replication_mode { sync, async };

// A cluster port: --cluster-host/--cluster-port, or one of --seeds.
struct address {
  std::string host;
  uint16_t port = 0;

  // "host:port" ("[::1]:7101" for an IPv6 literal).
  std::string to_string() const;

  friend bool operator==(const address&, const address&) = default;
};

// How this node takes part in a cluster (tools/node fills it from flags).
struct cluster_settings {
  std::string node_name;
  address self;                // where this node's `node` actor is published
  std::vector<address> seeds;  // every other configured member
  replication_mode replication = replication_mode::sync;

  // Configured members, this node included: the majority is counted
  // against this number, never against the members currently reachable.
  uint32_t configured() const {
    return static_cast<uint32_t>(seeds.size() + 1);
  }
};

} // namespace tidewire::cluster
