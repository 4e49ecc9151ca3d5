#include "actors/session.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <type_traits>
#include <unordered_map>
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
#include "actors/rights.hpp"

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
  session_identity identity;
  std::shared_ptr<client_link> link;
  caf::actor directory;
  std::map<std::string, subscription> subs;
  // The same subscriptions by id: every delivery names its sub_id. Points
  // into `subs` (std::map nodes do not move); see add_sub/drop_sub.
  std::unordered_map<uint64_t, subscription*> by_id;
  uint64_t next_sub_id = 0;
  outbound_queue queue;
  // Catch-up chunks channels are waiting to send, in arrival order: granted
  // room once the queue has drained below half its cap.
  std::vector<std::pair<caf::actor, uint64_t>> pending_demand;
  // Room granted to channels whose chunk has not arrived yet, by sub_id. All
  // channels of a session share one catch-up budget: without this, each
  // waiting channel would be granted the whole free room at once.
  std::unordered_map<uint64_t, uint64_t> reserved;
  uint64_t reserved_bytes = 0;
  uint64_t watch_at = 0; // written total asked of the link; 0: none waiting
  // Past the cap by the session's count, which lags what was written when
  // nobody asked: the link is asked at once, and batches wait here until it
  // answers; only then is the client closed (1013) or the batches handed on.
  bool verifying = false;
  std::vector<frame_batch> held;
  size_t publishes_in_flight = 0; // accepted, not yet answered
  std::map<std::string, publish_route> routes;
  bool closed = false;
};

using session_actor = caf::stateful_actor<session_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<session_state, session_actor*>);

// Chunks granted at once share the room; a share is at least this much (a
// channel always sends at least one update, so tiny shares only add rounds).
constexpr uint64_t min_catchup_share = 16 * 1024;

void release_reservation(session_state& st, uint64_t sub_id) {
  auto it = st.reserved.find(sub_id);
  if (it == st.reserved.end())
    return;
  st.reserved_bytes -= it->second;
  st.reserved.erase(it);
}

// A subscription id that will never deliver again: its demand and its share
// of the catch-up budget go back to the others.
void forget_sub_id(session_state& st, uint64_t sub_id) {
  release_reservation(st, sub_id);
  auto& demand = st.pending_demand;
  demand.erase(std::remove_if(demand.begin(), demand.end(),
                              [sub_id](auto& d) { return d.second == sub_id; }),
               demand.end());
}

subscription& add_sub(session_state& st, const std::string& channel,
                      uint64_t sub_id, const std::string& id_json) {
  auto& sub = st.subs[channel];
  if (sub.sub_id != 0) {
    st.by_id.erase(sub.sub_id);
    forget_sub_id(st, sub.sub_id);
  }
  sub = subscription{caf::actor{}, sub_id, 0, id_json};
  st.by_id[sub_id] = &sub;
  return sub;
}

using sub_iterator = std::map<std::string, subscription>::iterator;

sub_iterator drop_sub(session_state& st, sub_iterator it) {
  st.by_id.erase(it->second.sub_id);
  forget_sub_id(st, it->second.sub_id);
  return st.subs.erase(it);
}

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
  st.by_id.clear();
  if (code != 0)
    st.link->close(code, std::move(reason));
  self->quit();
}

// Queued, in-flight and granted-but-not-arrived bytes.
uint64_t committed_bytes(const session_state& st) {
  return st.queue.pending_bytes() + st.reserved_bytes;
}

// The least room worth granting.
uint64_t grant_threshold(const session_state& st) {
  return std::min(min_catchup_share, st.limits.queue_bytes / 4);
}

// Hands waiting channels, in the order they asked, room below half the cap.
// One grant takes at most a quarter of that half, so a few channels resuming
// together take turns instead of the first one taking everything.
void grant_demand(session_actor* self) {
  auto& st = self->state;
  auto half = st.limits.queue_bytes / 2;
  if (st.closed)
    return;
  auto per_grant = std::max(half / 4, min_catchup_share);
  size_t granted = 0;
  while (granted < st.pending_demand.size()) {
    auto used = committed_bytes(st);
    // A sliver of room is not worth a round: wait for writes or chunks.
    if (used >= half || half - used < grant_threshold(st))
      break;
    auto share = std::min(half - used, per_grant);
    auto& [channel, sub_id] = st.pending_demand[granted++];
    st.reserved[sub_id] += share;
    st.reserved_bytes += share;
    self->send(channel, catchup_atom::value, sub_id, share);
  }
  st.pending_demand.erase(st.pending_demand.begin(),
                          st.pending_demand.begin()
                            + static_cast<long>(granted));
}

// Asks the link to report written bytes when the session needs to know:
// near the cap (each write then counts for the slow-consumer check) or when
// catch-up demand waits for room. Otherwise the link reports nothing.
void watch(session_actor* self) {
  auto& st = self->state;
  if (st.closed)
    return;
  auto half = st.limits.queue_bytes / 2;
  uint64_t want = 0;
  if (st.queue.pending_bytes() > half)
    want = st.queue.written_total() + 1;
  else if (!st.pending_demand.empty()
           && committed_bytes(st) + grant_threshold(st) > half
           && st.reserved_bytes + grant_threshold(st) <= half)
    // Writes alone can make the room (otherwise granted chunks must arrive).
    want = st.queue.sent_total() + st.reserved_bytes + grant_threshold(st)
           - half;
  else
    return;
  if (st.watch_at != 0 && st.watch_at <= want)
    return; // the report asked for earlier comes first
  st.watch_at = want;
  st.link->notify_written(want);
}

void enqueue(session_actor* self, frame_batch batch) {
  auto& st = self->state;
  if (st.closed || batch->empty())
    return;
  st.queue.sent(batch_bytes(*batch));
  if (st.verifying) {
    st.held.push_back(std::move(batch));
    return;
  }
  if (st.queue.pending_bytes() > st.limits.queue_bytes) {
    st.verifying = true;
    st.held.push_back(std::move(batch));
    st.link->notify_written(0);
    return;
  }
  st.link->deliver(std::move(batch));
  watch(self);
}

// The link said how much it has written; if the session was checking a
// count past the cap, this settles it.
void settle(session_actor* self) {
  auto& st = self->state;
  if (!st.verifying)
    return;
  st.verifying = false;
  if (st.queue.pending_bytes() > st.limits.queue_bytes) {
    // The client resumes from its last seq after reconnecting: closing it
    // loses nothing, while buffering without bound would risk the node.
    st.held.clear();
    close_session(self, 1013, "slow consumer");
    return;
  }
  for (auto& batch : std::exchange(st.held, {}))
    st.link->deliver(std::move(batch));
}

void enqueue(session_actor* self, frame f) {
  enqueue(self, make_batch({std::move(f)}));
}

void reply_error(session_actor* self, const caf::error& err,
                 const std::string& id_json) {
  enqueue(self, frames::error(error_code(err), error_message(err), id_json));
}

void subscribe(session_actor* self, subscribe_request req) {
  auto& st = self->state;
  if (!auth::may_subscribe(st.identity.claims, req.channel))
    return enqueue(self, forbidden_frame(req.channel, "subscribe", req.id_json));
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
  if (auto it = st.subs.find(req.channel);
      it != st.subs.end() && it->second.channel)
    self->send(it->second.channel, unsubscribe_atom::value,
               caf::actor_cast<caf::actor>(self));
  add_sub(st, req.channel, sub_id, req.id_json);
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
          drop_sub(self->state, it);
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
  drop_sub(st, it);
  grant_demand(self);
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
  self->request(channel, request_timeout, publish_atom::value, req.data_json,
                req.key)
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
  if (!auth::may_publish(st.identity.claims, req.channel))
    return enqueue(self, forbidden_frame(req.channel, "publish", req.id_json));
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
  st.identity = std::move(identity);
  enqueue(self, frames::welcome(st.identity.node, st.identity.session, limits));
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
        if (self->state.closed)
          return; // closed as a slow consumer: subs are gone
        it = drop_sub(self->state, it);
      } else {
        ++it;
      }
    }
    auto& routes = self->state.routes;
    for (auto it = routes.begin(); it != routes.end();)
      it = it->second.channel && it->second.channel.address() == dm.source
             ? routes.erase(it)
             : std::next(it);
    grant_demand(self);
  });
  return {
    [self](subscribe_request& req) { subscribe(self, std::move(req)); },
    [self](const unsubscribe_request& req) { unsubscribe(self, req); },
    [self](publish_request& req) { publish(self, std::move(req)); },
    [self](reply_atom, frame& f) { enqueue(self, std::move(f)); },
    [self](deliver_atom, uint64_t sub_id, frame_batch& batch,
           uint64_t last_seq) {
      auto& st = self->state;
      // A granted catch-up chunk has arrived: from here on its bytes are in
      // the queue's count instead of the reservation.
      release_reservation(st, sub_id);
      auto it = st.by_id.find(sub_id);
      if (it == st.by_id.end()) {
        grant_demand(self);
        return;
      }
      if (last_seq != 0)
        it->second->last_seq = last_seq;
      enqueue(self, std::move(batch));
      grant_demand(self);
    },
    [self](catchup_atom, uint64_t sub_id) {
      auto& st = self->state;
      auto channel = caf::actor_cast<caf::actor>(self->current_sender());
      if (!channel || st.by_id.count(sub_id) == 0)
        return;
      st.pending_demand.emplace_back(channel, sub_id);
      grant_demand(self);
      watch(self);
    },
    [self](written_atom, uint64_t total) {
      auto& st = self->state;
      if (total >= st.watch_at)
        st.watch_at = 0;
      st.queue.written(total);
      settle(self);
      grant_demand(self);
      watch(self);
    },
    [self](unsubscribe_atom, uint64_t sub_id) {
      // The channel dropped this subscription (after telling the client
      // why, in an `error` naming the channel and the subscribe's id).
      auto& subs = self->state.subs;
      for (auto it = subs.begin(); it != subs.end(); ++it)
        if (it->second.sub_id == sub_id) {
          drop_sub(self->state, it);
          grant_demand(self);
          return;
        }
    },
    [self](closed_atom) { close_session(self, 0, {}); },
    [self](auth_atom, auth::claims& claims) {
      // A new token may grant less: subscriptions it does not cover end
      // (the client is told `forbidden` for each), the others go on.
      auto& st = self->state;
      st.identity.claims = std::move(claims);
      for (auto it = st.subs.begin(); it != st.subs.end();) {
        if (auth::may_subscribe(st.identity.claims, it->first)) {
          ++it;
          continue;
        }
        if (it->second.channel)
          self->send(it->second.channel, unsubscribe_atom::value,
                     caf::actor_cast<caf::actor>(self));
        enqueue(self, forbidden_frame(it->first, "subscribe", ""));
        if (st.closed)
          return;
        it = drop_sub(st, it);
      }
      grant_demand(self);
      enqueue(self, frames::welcome(st.identity.node, st.identity.session,
                                    st.limits));
    },
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
