#include "actors/cluster/node_actor.hpp"

#include <map>
#include <string>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/membership.hpp"
#include "actors/errors.hpp"

namespace tidewire::cluster {

namespace {

struct node_state {
  static inline const char* name = "tidewire.cluster.node";

  std::string node_name;
  caf::actor membership;
  std::map<std::string, caf::actor> services;
};

using node_actor = caf::stateful_actor<node_state>;

// See actors/directory.cpp: CAF 0.17 must not build the state from the
// actor pointer.
static_assert(!std::is_constructible_v<node_state, node_actor*>);

// Registering and attaching change what peers reach, so only actors of this
// process may do it; any authenticated peer may look a service up.
bool from_this_node(node_actor* self) {
  auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

caf::behavior node_behavior(node_actor* self, std::string node_name) {
  self->state.node_name = std::move(node_name);
  return {
    [self](attach_atom, const caf::actor& membership) {
      if (!from_this_node(self) || self->state.membership)
        return;
      self->state.membership = membership;
      self->link_to(membership);
    },
    [self](hello_atom atom, uint32_t version, std::string& name,
           uint32_t members, std::string& address,
           caf::actor& node) -> caf::result<caf::message> {
      if (!self->state.membership)
        return make_error(errc::unavailable, "node "
                                               + self->state.node_name
                                               + " is starting");
      return self->delegate(self->state.membership, atom, version,
                            std::move(name), members, std::move(address),
                            std::move(node));
    },
    [self](bye_atom atom, std::string& address, std::string& reason) {
      if (self->state.membership)
        self->delegate(self->state.membership, atom, std::move(address),
                       std::move(reason));
    },
    [self](caf::put_atom, const std::string& service,
           const caf::actor& actor) {
      if (from_this_node(self))
        self->state.services[service] = actor;
    },
    [self](caf::get_atom, const std::string& service) -> caf::result<caf::actor> {
      auto it = self->state.services.find(service);
      if (it == self->state.services.end())
        return make_error(errc::unavailable, "node " + self->state.node_name
                                               + " has no service "
                                               + service);
      return it->second;
    },
  };
}

} // namespace

caf::actor spawn_node_actor(caf::actor_system& sys, std::string node_name) {
  return sys.spawn(node_behavior, std::move(node_name));
}

} // namespace tidewire::cluster
