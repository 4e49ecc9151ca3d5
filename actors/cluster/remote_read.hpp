#pragma once

// Reads (history, state) of a channel this node does not serve, answered by
// the owner's node. Reads never create channels (anyone may ask for any
// name), so a node that has never seen a channel made from a pattern asks
// the owner instead of starting a relay for it.

#include <string>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include "actors/cluster/messages.hpp"

namespace tidewire::cluster {

// A short-lived actor that answers one (history_atom, since, limit) or
// (state_atom) like the channel actor would, by asking `owner_node`'s
// "channels" service; it stops after its answer, or when `caller` (who
// will send the request) is gone first.
caf::actor spawn_remote_reader(caf::actor_system& sys, caf::actor owner_node,
                               std::string channel, caf::actor caller);

// The owner's side: serves `req` from `channel` (this node's actor for it,
// or none: unknown_channel).
caf::result<read_result> serve_read(caf::event_based_actor* self,
                                    const caf::actor& channel,
                                    const read_request& req);

} // namespace tidewire::cluster
