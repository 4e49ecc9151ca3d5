// One fan-out run, wired like a node's channel minus the network:
//
//   publisher ×4 ──publish──▶ channel ──append──▶ store writer (detached)
//     ▲ (64 in flight each)     │ ◀──── ok ───────┘   (persistence on only)
//     └──────── ack ────────────┤
//                               └──deliver──▶ subscriber × N
//
// Subscribers stand in for sessions: they check that seqs arrive gap-free and
// note when the last update arrived, but encode and send nothing.

#include "fanout_scenario.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/channel.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"
#include "actors/store.hpp"
#include "measure.hpp"

namespace tidewire::bench {

namespace {

using report_atom = caf::atom_constant<caf::atom("report")>;

int64_t to_ns(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           t.time_since_epoch())
    .count();
}

// CAF 0.17 constructs a state from the actor pointer when it can, and C++20
// lets an aggregate be built from parentheses: without a declared
// constructor, the pointer would initialise the first member.
struct subscriber_state {
  subscriber_state() = default;
  bool subscribed = false;
  bool broken = false; // a seq was skipped or repeated
  uint64_t last_seq = 0;
  uint64_t updates = 0;
  int64_t last_update_ns = 0;
};

using subscriber_actor = caf::stateful_actor<subscriber_state>;

caf::behavior subscriber(subscriber_actor* self) {
  return {
    [self](deliver_atom, uint64_t, const frame_batch& batch,
           uint64_t last_seq) {
      auto& frames = *batch;
      auto& st = self->state;
      if (!st.subscribed) {
        // A fresh stream subscription starts with `subscribed` alone.
        st.subscribed = true;
        st.last_seq = last_seq;
        return;
      }
      if (last_seq != st.last_seq + frames.size())
        st.broken = true;
      st.last_seq = last_seq;
      st.updates += frames.size();
      st.last_update_ns = to_ns(clock_type::now());
    },
    [self](get_atom) {
      auto& st = self->state;
      return caf::make_message(st.updates, st.last_seq, st.broken,
                               st.last_update_ns);
    },
  };
}

struct publisher_state {
  publisher_state() = default; // see subscriber_state
  caf::actor channel;
  caf::actor report_to;
  std::string payload;
  uint64_t quota = 0;
  clock_type::time_point deadline;
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t failed = 0;
  bool reported = false;
  std::vector<double> ack_us;
};

using publisher_actor = caf::stateful_actor<publisher_state>;

// Sends the next publish, or reports once the quota or the time is used up
// and every request has its answer.
void publish_next(publisher_actor* self) {
  auto& st = self->state;
  if (st.sent >= st.quota || clock_type::now() >= st.deadline) {
    if (!st.reported && st.acked + st.failed == st.sent) {
      st.reported = true;
      self->send(st.report_to, report_atom::value, st.acked, st.failed,
                 std::move(st.ack_us));
      self->quit();
    }
    return;
  }
  ++st.sent;
  auto t0 = clock_type::now();
  self->request(st.channel, caf::infinite, publish_atom::value, st.payload)
    .then(
      [self, t0](const publish_ack&) {
        ++self->state.acked;
        self->state.ack_us.push_back(seconds_since(t0) * 1e6);
        publish_next(self);
      },
      [self](caf::error&) {
        ++self->state.failed;
        publish_next(self);
      });
}

caf::behavior publisher(publisher_actor* self, caf::actor channel,
                        caf::actor report_to, std::string payload,
                        uint64_t quota, clock_type::time_point deadline) {
  auto& st = self->state;
  st.channel = std::move(channel);
  st.report_to = std::move(report_to);
  st.payload = std::move(payload);
  st.quota = quota;
  st.deadline = deadline;
  for (size_t i = 0; i < publish_window; ++i)
    publish_next(self);
  // Everything happens in response handlers; an actor needs a behaviour.
  return {[](ok_atom) {}};
}

// Stops `actors` and waits until each is gone, so the store they hold is
// closed before its directory is removed.
void stop_all(caf::scoped_actor& self, const std::vector<caf::actor>& actors) {
  size_t alive = 0;
  for (auto& a : actors) {
    if (!a)
      continue;
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
    ++alive;
  }
  for (; alive > 0; --alive)
    self->receive([](const caf::down_msg&) {});
}

} // namespace

fanout_result run_fanout(caf::actor_system& sys, const fanout_scenario& s,
                         const std::string& dir, uint64_t count,
                         double seconds) {
  fanout_result res;
  res.what = s;
  store_actors stores;
  if (s.persistence) {
    std::unique_ptr<storage::replay_store> store;
    storage::open_options options;
    options.path = dir;
    options.mode = *s.persistence;
    auto st = storage::replay_store::open(options, &store);
    if (!st.ok()) {
      res.error = st.ToString();
      return res;
    }
    stores = spawn_store_actors(sys, std::move(store));
  }
  channel_decl decl{"bench", "stream"};
  decl.retention_count = std::max<uint64_t>(decl.retention_count, count);
  auto channel = spawn_channel(
    sys, channel_params{"bench", decl, {}, stores.writer, stores.reader,
                        std::nullopt, {}});
  caf::scoped_actor self{sys};
  std::vector<caf::actor> subs;
  for (size_t i = 0; i < s.subscribers; ++i) {
    subs.push_back(sys.spawn(subscriber));
    self->send(channel, subscribe_atom::value, subs.back(), uint64_t{i + 1},
               subscribe_request{"bench", {}, {}, ""});
  }
  // The channel takes messages in order: once it answers, all are subscribed.
  self->request(channel, caf::infinite, info_atom::value)
    .receive(
      [&](const channel_info& info) {
        if (info.subscribers != s.subscribers)
          res.error = "only " + std::to_string(info.subscribers)
                      + " subscribers registered";
      },
      [&](caf::error& err) { res.error = error_message(err); });
  auto finish = [&] {
    auto all = subs;
    all.insert(all.end(), {channel, stores.writer, stores.reader});
    stop_all(self, all);
    return res;
  };
  if (!res.error.empty())
    return finish();

  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration_cast<clock_type::duration>(
                            std::chrono::duration<double>(seconds));
  for (size_t i = 0; i < publishers; ++i) {
    auto quota = count / publishers + (i < count % publishers ? 1 : 0);
    sys.spawn(publisher, channel, caf::actor_cast<caf::actor>(self), payload_of(s.payload, i),
              quota, deadline);
  }
  std::vector<double> ack_us;
  uint64_t failed = 0;
  // Generous: a run that takes this long is stuck, not slow.
  auto give_up = std::chrono::seconds(static_cast<int64_t>(seconds) + 120);
  for (size_t i = 0; i < publishers && res.error.empty(); ++i)
    self->receive(
      [&](report_atom, uint64_t acked, uint64_t nok, std::vector<double>& us) {
        res.published += acked;
        failed += nok;
        ack_us.insert(ack_us.end(), us.begin(), us.end());
      },
      caf::after(give_up) >> [&] { res.error = "publishers timed out"; });
  res.publish_seconds = seconds_since(start);
  if (failed > 0 && res.error.empty())
    res.error = std::to_string(failed) + " publishes failed";
  res.ack_p50_us = percentile(ack_us, 0.50);
  res.ack_p99_us = percentile(ack_us, 0.99);

  // Every ack went out after its update was sent to each subscriber, so
  // these queries queue behind the last update in every mailbox.
  int64_t last_ns = to_ns(start);
  for (size_t i = 0; i < subs.size() && res.error.empty(); ++i)
    self->request(subs[i], caf::infinite, get_atom::value)
      .receive(
        [&](uint64_t updates, uint64_t last_seq, bool broken, int64_t at_ns) {
          res.delivered += updates;
          last_ns = std::max(last_ns, at_ns);
          if (broken || updates != res.published || last_seq != res.published)
            res.error = "subscriber " + std::to_string(i + 1) + " got "
                        + std::to_string(updates) + " of "
                        + std::to_string(res.published) + " updates"
                        + (broken ? " with a seq gap" : "");
        },
        [&](caf::error& err) { res.error = error_message(err); });
  res.deliver_seconds = static_cast<double>(last_ns - to_ns(start)) / 1e9;
  return finish();
}

} // namespace tidewire::bench
