#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/config.hpp"

namespace tidewire {

struct directory_config {
  std::vector<channel_decl> decls;
  channel_limits limits;
  // Storage actors (actors/store.hpp); invalid handles mean durability=none:
  // channels keep their history in memory only and start a new epoch per run.
  caf::actor store_writer;
  caf::actor store_reader;
  // Once the node holds this many channels (declared and stored ones
  // included), new names matching a `*` pattern are refused: each channel is
  // an actor and a store entry that lives until shutdown, so a client
  // inventing names must not grow the node without bound. Declared and
  // stored channels are always served.
  size_t max_channels = 100'000;
  // A channel made from a `*` pattern that never had an update and has no
  // subscriber at two checks this far apart is retired: its actor stops and
  // its name is forgotten by the store (--channel-idle-s; 0: never). Stored
  // ones of that kind are not started again after a restart either.
  std::chrono::seconds idle_retire{300};
  // Cluster mode (both valid): the membership actor, whose cluster_view
  // decides where each channel lives, and this node's `node` actor, on which
  // the directory registers itself as the "channels" service for peers.
  caf::actor membership;
  caf::actor node;
  bool sync_replication = true; // --replication=sync
};

// Spawns the directory: maps channel names to channel actors, spawning a
// channel on first use when its name matches a declared pattern. At start it
// spawns every exactly-declared channel and every channel found in the store.
//   (get_atom, std::string name) -> caf::actor
//        errors: invalid_channel (bad name), unknown_channel (no pattern),
//        rate_limited (a new channel past max_channels)
//   (get_atom, std::string name, read_atom) -> caf::actor
//        the same for a read: an existing channel only, never a new one
//        (unknown_channel for a name that was never published or subscribed)
//   (list_atom) -> std::vector<channel_info>   every channel, ordered by
//        name, as each last reported itself (answered from the directory's
//        own state: no channel is asked)
//   (list_atom, std::string after, uint64_t count) -> std::vector<channel_info>
//        a page of that list: the first `count` channels named after `after`
//        (byte order; "" for the first page)
//   (summary_atom, channel_info)   from a channel whose summary changed
//   (loaded_atom) -> ok_atom   once every channel started at start-up
//        (declared and stored ones) has restored its state from the store
// In cluster mode a name maps to the channel actor if this node owns it, or
// to a follower of the owner's channel (a relay, or the replica) otherwise;
// sessions cannot tell the two apart. Until the first view arrives, get is
// answered `unavailable`. Peers reach it as the "channels" service:
//   cluster::resolve_request -> cluster::resolved   the channel's actor here
//   cluster::ensure_request -> ok_atom              start replicating a channel
// and every cluster_view moves channels (role_atom to each channel actor).
caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg);

} // namespace tidewire
