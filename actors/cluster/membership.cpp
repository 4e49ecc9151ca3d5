#include "actors/cluster/membership.hpp"

#include <algorithm>
#include <iostream>
#include <random>
#include <set>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "actors/cluster/membership_state.hpp"
#include "actors/errors.hpp"

namespace tidewire::cluster {

namespace {

// This node's link to one seed, beside its slot in membership_state.
struct link {
  bool dialling = false;
  std::chrono::milliseconds backoff{0};
  std::string last_failure; // logged once per distinct reason
};

struct membership_actor_state {
  static inline const char* name = "tidewire.cluster.membership";

  membership_state members;
  caf::actor connector;
  caf::actor node;
  membership_timing timing;
  std::vector<link> links;
  std::vector<caf::actor> listeners;
  std::minstd_rand rng{std::random_device{}()};
};

using membership_actor = caf::stateful_actor<membership_actor_state>;

// See actors/directory.cpp: CAF 0.17 must not build the state from the
// actor pointer.
static_assert(!std::is_constructible_v<membership_actor_state,
                                       membership_actor*>);

void log(const std::string& line) {
  std::cerr << "tidewire: cluster: " << line << '\n';
}

bool from_this_node(membership_actor* self) {
  auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

std::string describe(membership_actor* self, const caf::error& err) {
  if (err.category() == caf::atom("tidewire"))
    return error_message(err);
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::cannot_connect_to_node:
        return "cannot connect (nothing listens there)";
      case caf::sec::disconnect_during_handshake:
        // The TLS layer drops the connection without telling why.
        return "the connection closed during the handshake: TLS refused "
               "(a certificate not from the cluster CA on either side) or "
               "not a tidewire cluster port";
      case caf::sec::request_timeout:
        return "no answer in time (the node is frozen or overloaded)";
      default:
        break;
    }
  }
  return self->system().render(err);
}

std::string summary(const membership_state& m) {
  return std::to_string(m.up_count()) + " of "
         + std::to_string(m.settings().configured()) + " members up, "
         + (m.quorum() ? "quorum" : "NO quorum");
}

void publish_view(membership_actor* self) {
  auto view = self->state.members.view();
  for (auto& listener : self->state.listeners)
    self->send(listener, view);
}

void dial(membership_actor* self, size_t i);

void schedule_dial(membership_actor* self, size_t i) {
  auto& st = self->state;
  auto& l = st.links[i];
  auto base = l.backoff.count() == 0 ? st.timing.retry_min : l.backoff;
  l.backoff = std::min(base * 2, st.timing.retry_max);
  // Jitter keeps nodes that lost each other at the same moment from
  // redialling in lockstep.
  std::uniform_int_distribution<int64_t> spread(base.count() * 8 / 10,
                                                base.count() * 12 / 10);
  self->delayed_send(self, std::chrono::milliseconds(spread(st.rng)),
                     dial_atom::value, static_cast<uint64_t>(i));
}

void failed(membership_actor* self, size_t i, const std::string& reason) {
  auto& l = self->state.links[i];
  l.dialling = false;
  if (reason != l.last_failure) {
    log("cannot join " + self->state.members.seed(i).to_string() + ": "
        + reason + " (retrying)");
    l.last_failure = reason;
  }
  schedule_dial(self, i);
}

void mark_up(membership_actor* self, size_t i, const hello& peer) {
  auto& st = self->state;
  // A dialer whose first hello timed out says it again: nothing changed.
  if (st.members.is_up_with(i, peer.node))
    return;
  self->monitor(peer.node);
  st.members.up(i, peer);
  log(peer.name + " (" + st.members.seed(i).to_string() + ") is up; "
      + summary(st.members));
  publish_view(self);
}

void mark_down(membership_actor* self, size_t i, const std::string& why) {
  auto& st = self->state;
  if (!st.members.is_up(i))
    return;
  st.members.down(i);
  log(st.members.name_of(i) + " (" + st.members.seed(i).to_string()
      + ") is down (" + why + "); " + summary(st.members));
  publish_view(self);
  if (st.members.dials(i)) {
    st.links[i].backoff = std::chrono::milliseconds{0};
    dial(self, i);
  }
}

// The seed answered this node's hello: both sides have checked each other.
void answered(membership_actor* self, size_t i, hello peer) {
  auto& st = self->state;
  if (auto why = st.members.refusal(peer, i)) {
    // The seed accepted this node already; tell it why it must not count
    // this node either.
    self->send(peer.node, bye_atom::value, st.members.settings().self.to_string(),
               "node " + st.members.settings().node_name + " refused "
                 + peer.name + ": " + *why);
    return failed(self, i, "refused " + peer.name + ": " + *why);
  }
  auto& l = st.links[i];
  l.dialling = false;
  l.backoff = std::chrono::milliseconds{0};
  l.last_failure.clear();
  mark_up(self, i, peer);
}

void dial(membership_actor* self, size_t i) {
  auto& st = self->state;
  if (st.members.is_up(i) || st.links[i].dialling)
    return;
  st.links[i].dialling = true;
  auto seed = st.members.seed(i);
  self
    ->request(st.connector, st.timing.dial_timeout, caf::connect_atom::value,
              seed.host, seed.port)
    .then(
      [self, i](const caf::node_id&, caf::strong_actor_ptr& ptr,
                const std::set<std::string>&) {
        auto peer = caf::actor_cast<caf::actor>(std::move(ptr));
        if (!peer)
          return failed(self, i, "no node actor is published there");
        auto& st = self->state;
        auto& settings = st.members.settings();
        self
          ->request(peer, st.timing.hello_timeout, hello_atom::value,
                    protocol_version, settings.node_name,
                    settings.configured(), settings.self.to_string(), st.node)
          .then(
            [self, i, peer](hello_atom, uint32_t version, std::string& name,
                            uint32_t members, std::string& address) {
              answered(self, i,
                       hello{version, std::move(name), members,
                             std::move(address), peer});
            },
            [self, i](caf::error& err) {
              failed(self, i, describe(self, err));
            });
      },
      [self, i](caf::error& err) { failed(self, i, describe(self, err)); });
}

// A seed dialled in: it counts from now on unless it must be refused, and
// is answered with this node's own hello for its own checks.
caf::result<caf::message> answer_hello(membership_actor* self, hello peer) {
  auto& st = self->state;
  auto& settings = st.members.settings();
  auto refuse = [&](const std::string& why) -> caf::error {
    log("refused " + peer.name + " at " + peer.address + ": " + why);
    return make_error(errc::forbidden, "node " + settings.node_name
                                         + " refused " + peer.name + ": "
                                         + why);
  };
  auto i = st.members.slot_of(peer.address);
  if (!i)
    return refuse("its cluster port " + peer.address
                  + " is not in this node's --seeds");
  if (auto why = st.members.refusal(peer, *i))
    return refuse(*why);
  mark_up(self, *i, peer);
  return caf::make_message(hello_atom::value, protocol_version,
                           settings.node_name, settings.configured(),
                           settings.self.to_string());
}

caf::behavior membership_behavior(membership_actor* self,
                                  cluster_settings settings,
                                  caf::actor connector, caf::actor node,
                                  membership_timing timing) {
  auto& st = self->state;
  st.members = membership_state{std::move(settings)};
  st.connector = std::move(connector);
  st.node = std::move(node);
  st.timing = timing;
  st.links.resize(st.members.seed_count());
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    auto& ls = st.listeners;
    auto gone = std::remove_if(ls.begin(), ls.end(), [&](const caf::actor& a) {
      return a.address() == dm.source;
    });
    if (gone != ls.end()) {
      ls.erase(gone, ls.end());
      return;
    }
    if (auto i = st.members.slot_of(dm.source))
      mark_down(self, *i, describe(self, dm.reason));
  });
  for (size_t i = 0; i < st.members.seed_count(); ++i)
    if (st.members.dials(i))
      dial(self, i);
  return {
    [self](caf::subscribe_atom, const caf::actor& listener) {
      if (!from_this_node(self) || !listener)
        return;
      self->monitor(listener);
      self->state.listeners.push_back(listener);
      self->send(listener, self->state.members.view());
    },
    [self](caf::get_atom) -> caf::result<cluster_view> {
      if (!from_this_node(self))
        return make_error(errc::forbidden, "the view is local to its node");
      return self->state.members.view();
    },
    [self](hello_atom, uint32_t version, std::string& name, uint32_t members,
           std::string& address, caf::actor& node) {
      return answer_hello(self, hello{version, std::move(name), members,
                                      std::move(address), std::move(node)});
    },
    [self](bye_atom, const std::string& address, const std::string& why) {
      auto i = self->state.members.slot_of(address);
      if (i && self->state.members.is_up(*i))
        mark_down(self, *i, why);
    },
    [self](dial_atom, uint64_t i) {
      if (i < self->state.members.seed_count())
        dial(self, static_cast<size_t>(i));
    },
  };
}

} // namespace

caf::actor spawn_membership(caf::actor_system& sys, cluster_settings settings,
                            caf::actor connector, caf::actor node,
                            membership_timing timing) {
  auto membership = sys.spawn(membership_behavior, std::move(settings),
                              std::move(connector), node, timing);
  if (node) {
    // Sent before this returns, so it is first in the node actor's mailbox:
    // the caller publishes the node actor only afterwards.
    caf::scoped_actor sender{sys};
    sender->send(node, attach_atom::value, membership);
  }
  return membership;
}

} // namespace tidewire::cluster
