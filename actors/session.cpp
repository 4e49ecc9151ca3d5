#include "actors/session.hpp"

#include <iterator>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/frames.hpp"
#include "actors/messages.hpp"
#include "actors/outbound_queue.hpp"

namespace tidewire {

namespace {

// How long a session waits for the directory or a channel before it tells
// its client the channel is unavailable.
constexpr auto request_timeout = std::chrono::seconds(10);

struct subscription {
  caf::actor channel; // invalid while the directory lookup is pending
  uint64_t sub_id = 0;
  uint64_t last_seq = 0;
  std::string id_json; // the subscribe's id, named in errors about it
};

// Where a client's publishes to one channel go. The directory is asked once
// per channel; publishes that arrive while it answers wait here, so a client's
// publishes keep their order.
struct publish_route {
  caf::actor channel; // invalid while the directory lookup is pending
  std::vector<publish_request> waiting;
};

// Routes kept per session; past this, idle ones are dropped (a client
// publishing to ever new channel names must not grow its session).
constexpr size_t max_publish_routes = 256;

struct session_state {
  static inline const char* name = "tidewire.session";

  session_limits limits;
  std::shared_ptr<client_link> link;
  caf::actor directory;
  std::map<std::string, subscription> subs;
  uint64_t next_sub_id = 0;
  outbound_queue queue;
  // Catch-up chunks a channel is waiting to send: answered once the queue
  // has drained to half its cap.
  std::vector<std::pair<caf::actor, uint64_t>> pending_demand;
  size_t publishes_in_flight = 0; // accepted, not yet answered
  std::map<std::string, publish_route> routes;
  bool closed = false;
};

using session_actor = caf::stateful_actor<session_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<session_state, session_actor*>);

void close_session(session_actor* self, uint16_t code, std::string reason) {
  auto& st = self->state;
  if (st.closed)
    return;
  st.closed = true;
  for (auto& [name, sub] : st.subs)
    if (sub.channel)
      self->send(sub.channel, unsubscribe_atom::value,
                 caf::actor_cast<caf::actor>(self));
  st.subs.clear();
  if (code != 0)
    st.link->close(code, std::move(reason));
  self->quit();
}

bool has_room(const session_state& st) {
  return st.queue.pending_bytes() <= st.limits.queue_bytes / 2;
}

void grant_demand(session_actor* self) {
  auto& st = self->state;
  if (st.pending_demand.empty() || !has_room(st))
    return;
  auto budget = st.limits.queue_bytes / 2 - st.queue.pending_bytes();
  for (auto& [channel, sub_id] : std::exchange(st.pending_demand, {}))
    self->send(channel, catchup_atom::value, sub_id, budget);
}

void pump(session_actor* self) {
  auto& st = self->state;
  auto batch = st.queue.take_batch(st.limits.max_batch_frames);
  if (!batch.empty())
    st.link->deliver(std::move(batch));
}

void enqueue(session_actor* self, std::vector<frame> frames) {
  auto& st = self->state;
  if (st.closed)
    return;
  for (auto& f : frames)
    st.queue.push(std::move(f));
  if (st.queue.pending_bytes() > st.limits.queue_bytes) {
    // The client resumes from its last seq after reconnecting: closing it
    // loses nothing, while buffering without bound would risk the node.
    close_session(self, 1013, "slow consumer");
    return;
  }
  pump(self);
}

void enqueue(session_actor* self, frame f) {
  enqueue(self, std::vector<frame>{std::move(f)});
}

void reply_error(session_actor* self, const caf::error& err,
                 const std::string& id_json) {
  enqueue(self, frames::error(error_code(err), error_message(err), id_json));
}

void subscribe(session_actor* self, subscribe_request req) {
  auto& st = self->state;
  if (st.subs.count(req.channel) == 0
      && st.subs.size() >= st.limits.max_subscriptions) {
    reply_error(self,
                make_error(errc::rate_limited,
                           "at most " + std::to_string(st.limits.max_subscriptions)
                             + " subscriptions per connection; unsubscribe"
                               " from one first"),
                req.id_json);
    return;
  }
  auto sub_id = ++st.next_sub_id;
  auto& sub = st.subs[req.channel];
  if (sub.channel)
    self->send(sub.channel, unsubscribe_atom::value,
               caf::actor_cast<caf::actor>(self));
  sub = subscription{caf::actor{}, sub_id, 0, req.id_json};
  auto name = req.channel;
  self->request(st.directory, request_timeout, get_atom::value, name)
    .then(
      [self, sub_id, req](const caf::actor& channel) {
        auto it = self->state.subs.find(req.channel);
        if (it == self->state.subs.end() || it->second.sub_id != sub_id)
          return; // unsubscribed or re-subscribed meanwhile
        it->second.channel = channel;
        // A channel that stops must not leave this subscription waiting
        // in silence: see the down handler.
        self->monitor(channel);
        self->send(channel, subscribe_atom::value,
                   caf::actor_cast<caf::actor>(self), sub_id, req);
      },
      [self, sub_id, req](caf::error& err) {
        auto it = self->state.subs.find(req.channel);
        if (it != self->state.subs.end() && it->second.sub_id == sub_id)
          self->state.subs.erase(it);
        reply_error(self, err, req.id_json);
      });
}

void unsubscribe(session_actor* self, const unsubscribe_request& req) {
  auto& st = self->state;
  auto it = st.subs.find(req.channel);
  if (it == st.subs.end()) {
    enqueue(self, frames::error("not_subscribed",
                                "not subscribed to " + req.channel,
                                req.id_json));
    return;
  }
  if (it->second.channel)
    self->send(it->second.channel, unsubscribe_atom::value,
               caf::actor_cast<caf::actor>(self));
  st.subs.erase(it);
  enqueue(self, frames::unsubscribed(req.channel, req.id_json));
}

void publish_reply(session_actor* self, caf::expected<publish_ack> ack,
                   const std::string& id_json) {
  --self->state.publishes_in_flight;
  if (ack)
    enqueue(self, frames::published(ack->channel, ack->seq, ack->epoch, id_json));
  else
    reply_error(self, ack.error(), id_json);
}

void send_publish(session_actor* self, const caf::actor& channel,
                  publish_request req) {
  self->request(channel, request_timeout, publish_atom::value, req.data_json)
    .then(
      [self, id = req.id_json](const publish_ack& ack) {
        publish_reply(self, ack, id);
      },
      [self, name = req.channel, id = req.id_json](caf::error& err) {
        // A CAF error (not a channel's answer) means the channel is gone or
        // stuck, e.g. the node is stopping: ask the directory next time.
        auto it = self->state.routes.find(name);
        if (err.category() == caf::atom("system")
            && it != self->state.routes.end() && it->second.channel)
          self->state.routes.erase(it);
        publish_reply(self, std::move(err), id);
      });
}

void publish(session_actor* self, publish_request req) {
  auto& st = self->state;
  if (st.publishes_in_flight >= st.limits.max_publishes_in_flight) {
    reply_error(self,
                make_error(errc::rate_limited,
                           std::to_string(st.publishes_in_flight)
                             + " publishes are awaiting their ack; wait for"
                               " one before sending more"),
                req.id_json);
    return;
  }
  ++st.publishes_in_flight;
  if (auto it = st.routes.find(req.channel); it != st.routes.end()) {
    if (it->second.channel)
      send_publish(self, it->second.channel, std::move(req));
    else
      it->second.waiting.push_back(std::move(req));
    return;
  }
  if (st.routes.size() >= max_publish_routes)
    for (auto it = st.routes.begin(); it != st.routes.end();)
      it = it->second.channel ? st.routes.erase(it) : std::next(it);
  auto name = req.channel;
  st.routes[name].waiting.push_back(std::move(req));
  self->request(st.directory, request_timeout, get_atom::value, name)
    .then(
      [self, name](const caf::actor& channel) {
        auto& route = self->state.routes[name];
        route.channel = channel;
        for (auto& waiting : std::exchange(route.waiting, {}))
          send_publish(self, channel, std::move(waiting));
      },
      [self, name](caf::error& err) {
        auto it = self->state.routes.find(name);
        if (it == self->state.routes.end())
          return;
        auto waiting = std::move(it->second.waiting);
        self->state.routes.erase(it);
        for (auto& req : waiting)
          publish_reply(self, err, req.id_json);
      });
}

caf::behavior session_behavior(session_actor* self, session_limits limits,
                               session_identity identity,
                               std::shared_ptr<client_link> link,
                               caf::actor directory) {
  auto& st = self->state;
  st.limits = limits;
  st.link = std::move(link);
  st.directory = std::move(directory);
  enqueue(self, frames::welcome(identity.node, identity.session, limits));
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& subs = self->state.subs;
    for (auto it = subs.begin(); it != subs.end();) {
      if (it->second.channel && it->second.channel.address() == dm.source) {
        enqueue(self, frames::channel_error(
                        it->first, "unavailable",
                        "channel " + it->first + " stopped ("
                          + caf::to_string(dm.reason)
                          + "); subscribe again",
                        it->second.id_json));
        it = subs.erase(it);
      } else {
        ++it;
      }
    }
    auto& routes = self->state.routes;
    for (auto it = routes.begin(); it != routes.end();)
      it = it->second.channel && it->second.channel.address() == dm.source
             ? routes.erase(it)
             : std::next(it);
  });
  return {
    [self](subscribe_request& req) { subscribe(self, std::move(req)); },
    [self](const unsubscribe_request& req) { unsubscribe(self, req); },
    [self](publish_request& req) { publish(self, std::move(req)); },
    [self](reply_atom, frame& f) { enqueue(self, std::move(f)); },
    [self](deliver_atom, uint64_t sub_id, std::vector<frame>& frames,
           uint64_t last_seq) {
      for (auto& [name, sub] : self->state.subs) {
        if (sub.sub_id == sub_id) {
          if (last_seq != 0)
            sub.last_seq = last_seq;
          enqueue(self, std::move(frames));
          return;
        }
      }
    },
    [self](catchup_atom, uint64_t sub_id) {
      auto channel = caf::actor_cast<caf::actor>(self->current_sender());
      if (!channel)
        return;
      self->state.pending_demand.emplace_back(channel, sub_id);
      grant_demand(self);
    },
    [self](written_atom) {
      self->state.queue.written();
      pump(self);
      grant_demand(self);
    },
    [self](unsubscribe_atom, uint64_t sub_id) {
      // The channel dropped this subscription (after telling the client
      // why, in an `error` naming the channel and the subscribe's id).
      auto& subs = self->state.subs;
      for (auto it = subs.begin(); it != subs.end(); ++it)
        if (it->second.sub_id == sub_id) {
          subs.erase(it);
          return;
        }
    },
    [self](closed_atom) { close_session(self, 0, {}); },
  };
}

} // namespace

caf::actor spawn_session(caf::actor_system& sys, const session_limits& limits,
                         session_identity identity,
                         std::shared_ptr<client_link> link,
                         caf::actor directory) {
  return sys.spawn(session_behavior, limits, std::move(identity),
                   std::move(link), std::move(directory));
}

} // namespace tidewire
