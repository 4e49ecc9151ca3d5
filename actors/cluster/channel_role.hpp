#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/response_promise.hpp>

#include "actors/cluster/messages.hpp"
#include "actors/messages.hpp"

namespace tidewire {

// What the directory tells a channel actor about its place in the cluster
// (a local message; it holds actor handles). Sent at spawn and on every
// membership change that moves the channel.
struct channel_role {
  bool owner = true;   // assigns seqs; otherwise a follower of `owner_node`
  bool replica = false; // a follower that persists and acks sync replication
  bool sync = true;    // --replication=sync: commit only once the replica has it
  bool quorum = true;  // without quorum publishes are refused
  std::string owner_name;
  std::string replica_name;
  std::string self_name; // this node
  // Where a follower finds the owner's channel: that node's `node` actor
  // (asked for its "channels" service), or, on the owner's own node,
  // the owner's directory directly.
  caf::actor owner_node;
  caf::actor owner_service;
  // The same for the replica: an owner that starts takes the channel over
  // from there (the replica held it while this node was away).
  caf::actor replica_node;
  caf::actor replica_service;
};

namespace cluster_detail {

// A follower on another node, as the owner knows it.
struct follower_link {
  caf::actor actor;
  std::string node;
  bool replica = false; // it follows as the replica (persists, acks)
};

// The batch an owner waits to see stored by its replica (sync replication;
// one at a time, like the channel's appends).
struct replication {
  std::shared_ptr<const std::vector<storage::record>> records;
  std::function<void(caf::error)> done; // no error: the replica has it
  uint64_t token = 0;      // bumped per attempt; older answers are dropped
  bool in_flight = false;  // a replicate_request awaits its answer
  // Armed while there is no replica to send to; past it the batch is
  // refused (unavailable) rather than waited on without end.
  std::optional<caf::actor_clock::time_point> deadline;
  caf::actor_clock::time_point started; // for the replica wait metric
};

// A publish forwarded to the owner, until its answer arrives or the owner
// is lost (then it is answered unavailable at once).
struct forward {
  caf::response_promise rp;
};

struct stashed_subscribe {
  caf::actor session;
  uint64_t sub_id = 0;
  subscribe_request req;
};

// The cluster part of a channel actor's state (channel_state::cluster).
struct channel_cluster {
  bool enabled = false; // false on a single node: everything below is unused
  channel_role role;
  uint64_t generation = 0; // highest ownership generation seen

  // Owner side.
  std::map<caf::actor_addr, follower_link> followers;
  caf::actor replica; // the follower on role.replica_name, once it follows
  std::optional<replication> replicating;

  // An owner that starts first catches up from its replica (claim): until
  // then it refuses publishes and holds subscribes back.
  bool claiming = false;
  uint64_t claim_head = 0;
  uint64_t claim_generation = 0;

  // Follower side.
  caf::actor upstream;   // the owner's channel actor, once resolved
  caf::actor claimant;   // who claimed ownership from us, until a new role
  uint64_t attempt = 0;  // bumped on every (re)follow; stale replies are dropped
  bool synced = false;   // served history is a prefix of the owner's
  bool fetching = false; // a gap fetch is in flight
  uint64_t upstream_head = 0;
  std::deque<cluster::batch> early; // batches past a gap, oldest first
  uint64_t stored_head = 0;         // persistent follower: last seq in the store
  bool opened = false;              // persistent follower: local meta loaded
  uint64_t untrimmed_head = 0; // a retention trim at this head removed nothing
  std::vector<std::pair<uint64_t, caf::response_promise>> ack_waiters;
  std::vector<stashed_subscribe> stash; // subscribes before the first sync
  std::map<uint64_t, forward> forwards;  // publishes sent to `upstream`
  uint64_t next_forward = 0;
  caf::actor local_writer; // the node's store actors (persistence)
  caf::actor local_reader;

  // For /metrics (channel_cluster_stats).
  uint64_t replicated = 0;
  uint64_t replica_waits = 0;
  uint64_t replica_wait_us = 0;
  uint64_t ownership_changes = 0;
};

} // namespace cluster_detail

} // namespace tidewire

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tidewire::channel_role)
