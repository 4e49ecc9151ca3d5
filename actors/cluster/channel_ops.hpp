#pragma once

// The cluster half of the channel actor, called from actors/channel.cpp.
// owner.cpp: what an owner does for its followers (follow, fetch, forwarded
// publishes, sync replication, fencing). follower*.cpp: relays and replicas
// (follower_ops.hpp says which file does what).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/message_handler.hpp>
#include <caf/error.hpp>
#include <caf/result.hpp>

#include "actors/channel_state.hpp"

namespace tidewire::cluster_detail {

using channel_detail::channel_actor;
using storage::record;

// Owner side (owner.cpp).

// Why an owner refuses a publish now (no quorum, no longer the owner), or
// an empty error.
caf::error refuse_publish(channel_actor* self);

// Under sync replication, calls `done({})` once the replica persisted
// `records` (following the replica when it changes); `done(unavailable)`
// when this actor stopped being the owner meanwhile, or when no replica
// followed within a bounded wait. Otherwise calls done({}) now.
void replicate(channel_actor* self,
               std::shared_ptr<const std::vector<record>> records,
               std::function<void(caf::error)> done);

// The timer of a replication waiting for its replica fired.
void replicate_again(channel_actor* self);

// The batch waiting for its replica belongs to a history being replaced
// (demotion, a claim): its publishes are refused.
void abandon_replication(channel_actor* self);

// Chooses the replica to wait for: the follower on the node this owner's
// role names as replica, if it follows as one.
void pick_replica(channel_actor* self);

// Sends a committed batch to the followers (the replica already has it under
// sync replication).
void after_commit(channel_actor* self, const std::vector<record>& records);

// A monitored follower or upstream is gone.
void peer_down(channel_actor* self, const caf::actor_addr& addr);

// The channel's history as it stands here: what a new follower, or a node
// claiming the channel, starts from.
cluster::snapshot snapshot_of(channel_actor* self);

// Handlers of the owner side (owner.cpp).
caf::result<cluster::snapshot> follow(channel_actor* self,
                                      const cluster::follow_request& req);
void unfollow(channel_actor* self);
caf::result<cluster::batch> fetch(channel_actor* self,
                                  const cluster::fetch_request& req);
caf::result<cluster::publish_result>
forwarded_publish(channel_actor* self, const cluster::publish_request& req);

// Follower side (follower*.cpp).

// An owner learnt that `holder` has seen a newer generation (it was away
// while another node owned the channel): it takes the newer history from
// there before it owns the channel again.
void claim_from_newer(channel_actor* self, const caf::actor& holder);

// The owner's channel actor this follower followed is gone.
void upstream_lost(channel_actor* self);

// Starts following at spawn (restore is done).
void start(channel_actor* self);

// A follower forwards a publish (with its idempotency key) to the owner.
caf::result<publish_ack> forward_publish(channel_actor* self,
                                         std::string data_json,
                                         std::string key);

// Publishes forwarded to an owner that is lost or no longer the owner are
// answered unavailable now rather than after the forward's timeout.
void fail_forwards(channel_actor* self, const std::string& why);

// The replica applies the channel's retention to its own store, like the
// owner does to its own (retention, tick). Relays store nothing.
void trim_replica(channel_actor* self);

// True when a subscribe must wait for the first sync with the owner (it is
// kept and served then).
bool stash_subscribe(channel_actor* self, const caf::actor& session,
                     uint64_t sub_id, const subscribe_request& req);

// The cluster figures of this channel actor, for /metrics.
channel_cluster_stats stats(channel_actor* self);

// Handlers of the cluster messages, both roles.
caf::message_handler handlers(channel_actor* self);

} // namespace tidewire::cluster_detail
