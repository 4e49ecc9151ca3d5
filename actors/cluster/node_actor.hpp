#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

// The one actor of a node that peers reach first: published on the cluster
// port, it forwards hellos to the membership actor and keeps the registry of
// this node's cluster-facing services.
namespace tidewire::cluster {

// Spawns a node actor.
//
//   (attach_atom, caf::actor membership)      local, once: hellos go there;
//                                             the two are linked
//   (hello_atom, ...), (bye_atom, ...)        delegated to membership (see
//                                             membership.hpp); refused as
//                                             unavailable before attach
//   (caf::put_atom, std::string service, caf::actor)   local senders only
//   (caf::get_atom, std::string service) -> caf::actor
//       error unavailable when nothing is registered under that name
caf::actor spawn_node_actor(caf::actor_system& sys, std::string node_name);

} // namespace tidewire::cluster
