#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

namespace tidewire::cluster {

// Carried by every cross-node message so that a node refuses a peer it
// cannot understand instead of misreading its messages.
inline constexpr uint32_t protocol_version = 1;

struct member {
  std::string name;
  bool up = false;
  // That member's published `node` actor (a remote proxy); invalid when the
  // member is down or is this node itself.
  caf::actor node;
};

// What this node currently knows about the cluster. Sent by the membership
// actor to its local subscribers at once and on every change.
struct cluster_view {
  std::string self;            // this node's name
  uint64_t version = 0;        // increases with every change
  std::vector<member> members; // every configured member incl. self, sorted by name
  bool quorum = false;         // self sees a majority of the configured members (self included)
};

} // namespace tidewire::cluster

// A view holds actor handles and never leaves its process: peers learn
// membership from their own links, not from each other's views.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tidewire::cluster::cluster_view)
