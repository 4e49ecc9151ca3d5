#pragma once

// The follower half of a channel actor in a cluster, shared by its files:
// follower.cpp (roles: promotion, demotion, reads and publishes through the
// owner, the message handlers), follower_sync.cpp (keeping the served copy
// in step with the owner: follow, snapshot, batches, gaps),
// follower_store.cpp (the replica's store and its replication acks) and
// follower_claim.cpp (taking ownership back from the node that held the
// channel meanwhile).

#include <chrono>
#include <vector>

#include "actors/cluster/channel_ops.hpp"

namespace tidewire::cluster_detail {

// How long a follower waits for the owner (or a claimed holder) to answer.
inline constexpr auto peer_timeout = std::chrono::seconds(5);

// follower_sync.cpp
void schedule_follow(channel_actor* self);
void begin_follow(channel_actor* self);
void on_snapshot(channel_actor* self, uint64_t attempt,
                 const caf::actor& upstream, const cluster::snapshot& s);
void serve_stash(channel_actor* self);
// Applies records that continue the served head; keeps those past a gap.
void accept(channel_actor* self, std::vector<record> records);
void on_batch(channel_actor* self, cluster::batch& b);

// follower_store.cpp
void persist_more(channel_actor* self);
void open_store(channel_actor* self);
caf::result<cluster::replicated>
on_replicate(channel_actor* self, cluster::replicate_request& req);

// follower_claim.cpp
void check_claim(channel_actor* self);
void begin_claim(channel_actor* self);
void finish_claim(channel_actor* self);
caf::result<cluster::snapshot> on_claim(channel_actor* self);

// follower.cpp
void demote(channel_actor* self);

} // namespace tidewire::cluster_detail
