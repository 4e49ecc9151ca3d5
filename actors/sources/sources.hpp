#pragma once

#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/config.hpp"

namespace tidewire {

// Spawns the market actor and one data-source actor per demo channel named
// in `settings.intervals`. Sources publish through the directory and the
// channel actors, the same path as any producer. Returns every spawned
// actor (the market last) so the caller can stop them.
std::vector<caf::actor> spawn_sources(caf::actor_system& sys,
                                      caf::actor directory,
                                      const source_settings& settings);

// The market actor alone (exposed for tests):
//   (get_atom, std::string channel) -> std::string   JSON text:
//     "dashboard" | "positions" | "performance": the channel's document,
//     "trades": one new trade, "alerts": an array of new alerts.
caf::actor spawn_market(caf::actor_system& sys, uint64_t seed);

// One data source (exposed for tests): every `interval` asks the market for
// the channel's view and publishes it (state channels: only the merge patch
// from the last published document; empty patches are skipped).
caf::actor spawn_source(caf::actor_system& sys, std::string channel,
                        std::chrono::milliseconds interval, caf::actor market,
                        caf::actor directory);

} // namespace tidewire
