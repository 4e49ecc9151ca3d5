#pragma once

#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include "actors/cluster/channel_role.hpp"
#include "actors/config.hpp"

namespace tidewire {

struct channel_params {
  std::string name;
  channel_decl decl;
  channel_limits limits;
  caf::actor store_writer; // invalid: memory only (durability=none)
  caf::actor store_reader;
  // Cluster mode: the channel's initial place (owner, or a follower of the
  // owner's channel on another node); later changes come as
  // (role_atom, channel_role). Absent on a single node.
  std::optional<channel_role> cluster;
  // The directory: the channel tells it its summary (summary_atom,
  // channel_info) whenever that changed, so the channel list and /metrics
  // read the directory alone. Weak (an address): the directory holds its
  // channels, and a handle back would keep both alive forever. Invalid:
  // nobody to tell (tests).
  caf::actor_addr directory;
};

// Spawns the actor of one channel: the only place its seqs are assigned.
//
//   publish ──▶ pending ──(group commit: one WriteBatch)──▶ store writer
//                                                              │ ok
//        published acks ◀── ring + fan-out to live subscribers ◀┘
//
// A memory-only channel (no store writer) has no append to queue behind, so
// it batches the publishes already waiting in its mailbox instead.
//
// Messages:
//   (publish_atom, std::string data_json) -> publish_ack   once durable
//   (subscribe_atom, caf::actor session, uint64_t sub_id, subscribe_request)
//        sends the session (deliver_atom, sub_id, frames, last_seq) messages:
//        `subscribed`, then the catch-up or snapshot, then live updates.
//        The first catch-up chunk (with the `subscribed`) holds at most
//        req.first_chunk bytes of updates, the room the session reserved.
//        A catch-up comes in chunks: after each one the channel sends the
//        session (catchup_atom, sub_id) and continues when the session
//        answers (catchup_atom, sub_id, uint64_t budget): it has room for
//        about `budget` more bytes.
//   (unsubscribe_atom, caf::actor session)
//   (info_atom) -> channel_info
//   sends params.directory (summary_atom, channel_info) after its restore
//   and whenever head, first, epoch or the subscriber count changed (before
//   the acks or the `subscribed` of the change)
//   (history_atom, uint64_t since, uint64_t limit) -> history_page
//   (state_atom) -> state_doc        error unknown_channel on a stream channel
// In cluster mode (params.cluster) the same actor is either the owner (as
// above, and it also streams committed records to followers on other nodes,
// actors/cluster/owner.cpp) or a follower (relay or replica,
// actors/cluster/follower*.cpp) that serves the same subscriber protocol from
// what the owner sends it and forwards publishes to the owner.
// Because the actor handles one message at a time, "send the catch-up, then
// add to the live subscribers" is atomic: no update falls between the two.
caf::actor spawn_channel(caf::actor_system& sys, channel_params params);

} // namespace tidewire
