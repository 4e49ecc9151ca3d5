#pragma once

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
//   (list_atom) -> std::vector<channel_info>   ordered by name; unavailable
//        when a channel does not answer (never a partial list)
caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg);

} // namespace tidewire
