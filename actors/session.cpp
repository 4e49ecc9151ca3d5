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
#include "actors/session_state.hpp"

namespace tidewire {

using namespace session_detail;

namespace {

// How long a session waits for the directory or a channel before it tells
// its client the channel is unavailable.
constexpr auto request_timeout = std::chrono::seconds(10);

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
        // Only a resume catches up (without `since` the channel sends a
        // snapshot or nothing before going live), so only a resume takes
        // room, released when the channel's first batch arrives.
        auto out = req;
        out.first_chunk = out.since
                            ? reserve_first_chunk(self->state, sub_id)
                            : 0;
        self->send(channel, subscribe_atom::value,
                   caf::actor_cast<caf::actor>(self), sub_id,
                   std::move(out));
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

frame publish_answer(const std::string& channel, const publish_outcome& out,
                     const std::string& id_json) {
  if (out.error)
    return frames::error(error_code(out.error), error_message(out.error),
                         id_json);
  return frames::published(channel, out.seq, out.epoch, id_json);
}

// Publishes to one channel go as one request, answered once all are stored
// or refused; their answers go to the client together, in order.
void send_publishes(session_actor* self, const caf::actor& channel,
                    const std::string& name, std::vector<publish_request> reqs) {
  std::vector<publish_item> items;
  std::vector<std::string> ids;
  items.reserve(reqs.size());
  ids.reserve(reqs.size());
  for (auto& req : reqs) {
    items.push_back({std::move(req.data_json), std::move(req.key)});
    ids.push_back(std::move(req.id_json));
  }
  self->request(channel, request_timeout, publish_atom::value, std::move(items))
    .then(
      [self, name, ids](const std::vector<publish_outcome>& outs) {
        self->state.publishes_in_flight -= ids.size();
        std::vector<frame> answers;
        answers.reserve(ids.size());
        for (size_t i = 0; i < ids.size(); ++i)
          answers.push_back(
            i < outs.size()
              ? publish_answer(name, outs[i], ids[i])
              : frames::error("internal", "no answer for this publish", ids[i]));
        enqueue(self, make_batch(std::move(answers)));
      },
      [self, name, ids](caf::error& err) {
        // A CAF error (not a channel's answer) means the channel is gone or
        // stuck, e.g. the node is stopping: ask the directory next time.
        auto it = self->state.routes.find(name);
        if (err.category() == caf::atom("system")
            && it != self->state.routes.end() && it->second.channel)
          self->state.routes.erase(it);
        self->state.publishes_in_flight -= ids.size();
        std::vector<frame> answers;
        for (auto& id : ids)
          answers.push_back(
            frames::error(error_code(err), error_message(err), id));
        enqueue(self, make_batch(std::move(answers)));
      });
}

// A client's publishes to `name`, in the order it sent them.
void route_publishes(session_actor* self, const std::string& name,
                     std::vector<publish_request> reqs) {
  auto& st = self->state;
  if (auto it = st.routes.find(name); it != st.routes.end()) {
    if (it->second.channel)
      send_publishes(self, it->second.channel, name, std::move(reqs));
    else
      for (auto& req : reqs)
        it->second.waiting.push_back(std::move(req));
    return;
  }
  if (st.routes.size() >= max_publish_routes)
    for (auto it = st.routes.begin(); it != st.routes.end();)
      it = it->second.channel ? st.routes.erase(it) : std::next(it);
  st.routes[name].waiting = std::move(reqs);
  self->request(st.directory, request_timeout, get_atom::value, name)
    .then(
      [self, name](const caf::actor& channel) {
        auto& route = self->state.routes[name];
        route.channel = channel;
        auto waiting = std::exchange(route.waiting, {});
        if (!waiting.empty())
          send_publishes(self, channel, name, std::move(waiting));
      },
      [self, name](caf::error& err) {
        auto it = self->state.routes.find(name);
        if (it == self->state.routes.end())
          return;
        auto waiting = std::move(it->second.waiting);
        self->state.routes.erase(it);
        self->state.publishes_in_flight -= waiting.size();
        for (auto& req : waiting)
          reply_error(self, err, req.id_json);
      });
}

// The publishes of one client frame: refused ones are answered at once,
// the others go to their channels, one request per run of publishes to
// the same channel.
void publish(session_actor* self, std::vector<publish_request> reqs) {
  auto& st = self->state;
  std::string run_channel;
  std::vector<publish_request> run;
  for (auto& req : reqs) {
    if (!auth::may_publish(st.identity.claims, req.channel)) {
      enqueue(self, forbidden_frame(req.channel, "publish", req.id_json));
      continue;
    }
    if (st.publishes_in_flight >= st.limits.max_publishes_in_flight) {
      reply_error(self,
                  make_error(errc::rate_limited,
                             std::to_string(st.publishes_in_flight)
                               + " publishes are awaiting their ack; wait"
                                 " for one before sending more"),
                  req.id_json);
      continue;
    }
    ++st.publishes_in_flight;
    if (!run.empty() && req.channel != run_channel)
      route_publishes(self, run_channel, std::exchange(run, {}));
    if (run.empty())
      run_channel = req.channel;
    run.push_back(std::move(req));
  }
  if (!run.empty())
    route_publishes(self, run_channel, std::move(run));
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
    [self](publish_request& req) {
      std::vector<publish_request> one;
      one.push_back(std::move(req));
      publish(self, std::move(one));
    },
    [self](std::vector<publish_request>& reqs) { publish(self, std::move(reqs)); },
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
      enqueue(self, std::move(batch), sub_id, last_seq);
      grant_demand(self);
    },
    [self](deliver_atom, uint64_t sub_id, frame_batch& batch,
           uint64_t last_seq, bool credited) {
      // As above; `credited`: the batch carries a whole document (a
      // snapshot, or a slow subscriber's conflated patches), which may be
      // larger than the cap.
      auto& st = self->state;
      release_reservation(st, sub_id);
      if (st.by_id.count(sub_id) != 0)
        enqueue(self, std::move(batch), sub_id, last_seq, credited);
      grant_demand(self);
    },
    [self](conflate_atom, uint64_t sub_id) {
      // A state channel: this subscription's patches may be conflated.
      auto it = self->state.by_id.find(sub_id);
      if (it != self->state.by_id.end())
        it->second->conflatable = true;
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
