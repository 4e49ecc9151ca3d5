#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include "storage/record.hpp"

namespace tidewire {

// The most a channel sends of a catch-up before the session has granted
// room: 100 updates of ~300 B, so a short resume needs no round of demand.
inline constexpr uint64_t max_first_chunk = 32 * 1024;

// A client's `subscribe`, validated by net/. `id_json` is the request's `id`
// as JSON text ("" when absent), echoed verbatim in the reply.
struct subscribe_request {
  std::string channel;
  std::optional<uint64_t> since;
  std::optional<std::string> epoch;
  std::string id_json;
  // Bytes of updates the subscriber can take in the first catch-up chunk,
  // sent before any demand. The session sets it from its cap and reserves
  // it until that chunk arrives; the channel does not know the cap. 0: no
  // room yet, so the channel sends only `subscribed` and asks for demand.
  uint64_t first_chunk = max_first_chunk;
};

struct unsubscribe_request {
  std::string channel;
  std::string id_json;
};

// `data_json` is compact, valid JSON text (net/ validated it and removed the
// whitespace, keeping numbers as written). `key` is the publisher's
// idempotency key ("" for none, at most max_idempotency_key chars).
struct publish_request {
  std::string channel;
  std::string data_json;
  std::string id_json;
  std::string key;
};

inline constexpr size_t max_idempotency_key = 128;

struct publish_ack {
  std::string channel;
  uint64_t seq = 0;
  std::string epoch;
};

// One publish of several a session sends its channel at once (the
// publishes of one client frame, in order): one request and one response
// for all of them instead of one each.
struct publish_item {
  std::string data_json;
  std::string key;
};

// The answer to one publish_item, at the same index: `error` set (nothing
// stored), or the ack's seq and epoch.
struct publish_outcome {
  uint64_t seq = 0;
  std::string epoch;
  caf::error error;
};

// What a channel actor in a cluster reports for /metrics (all zero and an
// empty role on a single node). Counters run for the actor's life; cluster
// channels are never retired, so they only grow while the node runs.
struct channel_cluster_stats {
  std::string role;            // "owner", "replica" or "relay"
  uint64_t generation = 0;     // ownership generation seen
  uint64_t replicated = 0;     // owner: records its replica confirmed (sync) or was sent (async)
  uint64_t replica_waits = 0;  // owner, sync: batches that waited for the replica
  uint64_t replica_wait_us = 0; // their total wait
  uint64_t lag = 0;            // follower: records the owner has and this node does not serve yet
  uint64_t ownership_changes = 0; // this actor became or stopped being the owner

  bool operator==(const channel_cluster_stats&) const = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, channel_cluster_stats& x) {
  return f(caf::meta::type_name("channel_cluster_stats"), x.role, x.generation,
           x.replicated, x.replica_waits, x.replica_wait_us, x.lag,
           x.ownership_changes);
}

struct channel_info {
  std::string name;
  std::string kind;
  std::string epoch;
  uint64_t head = 0;
  uint64_t first = 1;
  int64_t last_ts = 0;
  uint64_t subscribers = 0;
  // Cluster mode: the nodes that own and replicate the channel ("" on a
  // single node).
  std::string owner;
  std::string replica;
  channel_cluster_stats cluster;

  bool operator==(const channel_info&) const = default;
};

struct history_page {
  std::string channel;
  std::string epoch;
  uint64_t head = 0;
  uint64_t first = 1;
  std::vector<storage::record> updates;
};

struct state_doc {
  std::string channel;
  std::string epoch;
  uint64_t seq = 0;
  std::string data_json;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unsubscribe_request& x) {
  return f(caf::meta::type_name("unsubscribe_request"), x.channel, x.id_json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_request& x) {
  return f(caf::meta::type_name("publish_request"), x.channel, x.data_json,
           x.id_json, x.key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_ack& x) {
  return f(caf::meta::type_name("publish_ack"), x.channel, x.seq, x.epoch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_item& x) {
  return f(caf::meta::type_name("publish_item"), x.data_json, x.key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_outcome& x) {
  return f(caf::meta::type_name("publish_outcome"), x.seq, x.epoch, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, channel_info& x) {
  return f(caf::meta::type_name("channel_info"), x.name, x.kind, x.epoch,
           x.head, x.first, x.last_ts, x.subscribers, x.owner, x.replica,
           x.cluster);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_page& x) {
  return f(caf::meta::type_name("history_page"), x.channel, x.epoch, x.head,
           x.first, x.updates);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, state_doc& x) {
  return f(caf::meta::type_name("state_doc"), x.channel, x.epoch, x.seq,
           x.data_json);
}

} // namespace tidewire

namespace tidewire::storage {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record& x) {
  return f(caf::meta::type_name("record"), x.seq, x.ts, x.data, x.key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, channel_meta& x) {
  return f(caf::meta::type_name("channel_meta"), x.id, x.name, x.kind,
           x.epoch, x.head, x.first, x.last_ts, x.state, x.state_seq);
}

} // namespace tidewire::storage

// std::optional has no CAF 0.17 inspector; subscribe requests never leave
// their node, so they travel as unserialisable local messages.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tidewire::subscribe_request)
