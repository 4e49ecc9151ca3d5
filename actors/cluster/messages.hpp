#pragma once

// Messages between nodes of one cluster. Each carries protocol_version and
// has an `inspect` overload; all are registered by register_cluster_types()
// (types.hpp). Encoded frames never cross nodes: records do, and the
// receiving node encodes them once for its own clients.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "actors/messages.hpp" // inspect of storage::record
#include "storage/record.hpp"

namespace tidewire::cluster {

// Peer -> a node's "channels" service: the actor serving `channel` there as
// its owner. Answered with `resolved`, or unavailable when that
// node does not own the channel (views can disagree for a moment).
// With `any_role` the answer is whichever actor serves the channel there
// (a follower too): a node taking ownership back claims from it.
struct resolve_request {
  uint32_t version = protocol_version;
  std::string channel;
  bool any_role = false;
};

// An owner -> a peer's "channels" service: this node is the channel's
// replica now; start following it (answered ok).
struct ensure_request {
  uint32_t version = protocol_version;
  std::string channel;
};

// A node taking ownership -> the channel actor that held it meanwhile:
// stop accepting publishes and tell me where your history ends. Answered
// with a snapshot; the claimant then fetches what it lacks, and owns the
// channel with a higher generation.
struct claim_request {
  uint32_t version = protocol_version;
  std::string channel;
  uint64_t generation = 0;
};

struct resolved {
  uint32_t version = protocol_version;
  std::string channel;
  caf::actor owner; // the channel actor on the owner's node
};

// The state of a channel's history on the node that answers: what a
// follower starts from. `state` is the document at `head` (state channels).
struct snapshot {
  uint32_t version = protocol_version;
  std::string channel;
  std::string kind;
  std::string epoch;
  uint64_t generation = 0; // ownership generation of the answering owner
  uint64_t head = 0;
  uint64_t first = 1;
  int64_t last_ts = 0;
  std::string state;
};

// Follower -> owner channel: send me every committed batch from now on.
// `replica` asks to be the replica the owner waits for under sync
// replication; the owner waits only for the one on the node its own view
// names as replica (`node`), so two nodes that both believed to be replica
// for a moment cannot leave it without one. `generation` is the highest the
// follower has seen: an owner below it is stale and refuses (fencing).
// Answered with a snapshot.
struct follow_request {
  uint32_t version = protocol_version;
  std::string channel;
  uint64_t generation = 0;
  bool replica = false;
  std::string node; // the follower's node name
};

struct unfollow_request {
  uint32_t version = protocol_version;
  std::string channel;
};

// Consecutive committed records of one channel. Owner -> followers after
// each commit, and the answer to a fetch.
struct batch {
  uint32_t version = protocol_version;
  std::string channel;
  std::string epoch;
  uint64_t generation = 0;
  uint64_t head = 0;  // the sender's head after these records
  uint64_t first = 1; // the sender's first retained seq
  std::vector<storage::record> records;
};

// Owner -> its replica under sync replication: persist `records`, then
// answer `replicated` (the owner makes the batch visible only then).
struct replicate_request {
  batch updates;
};

struct replicated {
  uint32_t version = protocol_version;
  std::string channel;
  uint64_t stored_head = 0;
};

// Follower -> owner channel: records from <= seq <= to, at most `limit`
// (fills a gap, or a catch-up older than the follower's ring). Answered
// with a batch.
struct fetch_request {
  uint32_t version = protocol_version;
  std::string channel;
  uint64_t from = 0;
  uint64_t to = 0;
  uint64_t limit = 0;
};

// Non-owner node -> owner channel: a publish made on another node.
struct publish_request {
  uint32_t version = protocol_version;
  std::string channel;
  std::string data_json;
  std::string key; // idempotency key, "" for none
};

struct publish_result {
  uint32_t version = protocol_version;
  std::string channel;
  uint64_t seq = 0;
  std::string epoch;
};

// A node that does not serve `channel` -> the owner's "channels" service:
// a read (history page, or the state document when `state`) served by the
// channel actor there. A read never creates a channel: one the owner does
// not have is unknown_channel. Answered with `read_result`.
struct read_request {
  uint32_t version = protocol_version;
  std::string channel;
  bool state = false;
  uint64_t since = 0;
  uint64_t limit = 0;
};

struct read_result {
  uint32_t version = protocol_version;
  history_page page; // when !state
  state_doc doc;     // when state
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_request& x) {
  return f(caf::meta::type_name("read_request"), x.version, x.channel,
           x.state, x.since, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_result& x) {
  return f(caf::meta::type_name("read_result"), x.version, x.page, x.doc);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resolve_request& x) {
  return f(caf::meta::type_name("resolve_request"), x.version, x.channel,
           x.any_role);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ensure_request& x) {
  return f(caf::meta::type_name("ensure_request"), x.version, x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_request& x) {
  return f(caf::meta::type_name("claim_request"), x.version, x.channel,
           x.generation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resolved& x) {
  return f(caf::meta::type_name("resolved"), x.version, x.channel, x.owner);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, snapshot& x) {
  return f(caf::meta::type_name("snapshot"), x.version, x.channel, x.kind,
           x.epoch, x.generation, x.head, x.first, x.last_ts, x.state);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, follow_request& x) {
  return f(caf::meta::type_name("follow_request"), x.version, x.channel,
           x.generation, x.replica, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unfollow_request& x) {
  return f(caf::meta::type_name("unfollow_request"), x.version, x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch& x) {
  return f(caf::meta::type_name("batch"), x.version, x.channel, x.epoch,
           x.generation, x.head, x.first, x.records);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replicate_request& x) {
  return f(caf::meta::type_name("replicate_request"), x.updates);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replicated& x) {
  return f(caf::meta::type_name("replicated"), x.version, x.channel,
           x.stored_head);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_request& x) {
  return f(caf::meta::type_name("fetch_request"), x.version, x.channel,
           x.from, x.to, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_request& x) {
  return f(caf::meta::type_name("publish_request"), x.version, x.channel,
           x.data_json, x.key);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_result& x) {
  return f(caf::meta::type_name("publish_result"), x.version, x.channel,
           x.seq, x.epoch);
}

} // namespace tidewire::cluster
