#include "actors/channel.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <random>

#include <caf/actor_system.hpp>

#include "actors/channel_state.hpp"
#include "actors/cluster/channel_ops.hpp"
#include "actors/errors.hpp"

namespace tidewire {

using namespace channel_detail;

namespace {

// A memory-only channel has no stored epoch: each run is a new history.
std::string fresh_epoch() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx",
           static_cast<unsigned long long>(dist(rd) ^ wall_clock_ms()));
  return std::string{"m"} + buf;
}

} // namespace

namespace channel_detail {

caf::actor history_reader(channel_actor* self) {
  if (self->state.follower())
    return caf::actor_cast<caf::actor>(self);
  return self->state.params.store_reader;
}

channel_info summary_of(channel_actor* self) {
  auto& st = self->state;
  // Owner and replica are the directory's to fill in (cluster mode).
  channel_info info{st.params.name,   st.params.decl.kind,
                    st.meta.epoch,    st.meta.head,
                    st.first_available(), st.meta.last_ts,
                    st.subs.size(),   {},
                    {},               {}};
  if (st.cluster.enabled)
    info.cluster = cluster_detail::stats(self);
  return info;
}

void report_summary(channel_actor* self) {
  auto& st = self->state;
  auto directory = caf::actor_cast<caf::actor>(st.params.directory);
  if (!directory)
    return;
  auto now = summary_of(self);
  // The cluster figures are part of it, so a role change or a replica's lag
  // reaches /metrics without a head change. Nothing sent yet: `reported`
  // has no name, so the first summary always differs.
  if (now == st.reported)
    return;
  st.reported = std::move(now);
  self->send(directory, summary_atom::value, st.reported);
}

void make_visible(channel_actor* self, const std::vector<record>& records) {
  auto& st = self->state;
  std::vector<frame> encoded;
  encoded.reserve(records.size());
  for (auto& rec : records) {
    encoded.push_back(frames::update(st.params.name, rec));
    st.ring->push(rec, encoded.back());
  }
  // One immutable batch for every subscriber.
  auto shared = make_batch(std::move(encoded));
  for (auto& [addr, sub] : st.subs)
    if (sub.live)
      deliver(self, sub, shared, st.meta.head);
  report_summary(self);
}

void deliver(channel_actor* self, const subscriber& sub,
             const frame_batch& frames, uint64_t last_seq) {
  self->send(sub.session, deliver_atom::value, sub.sub_id, frames, last_seq);
}

void deliver(channel_actor* self, const subscriber& sub,
             std::vector<frame> frames, uint64_t last_seq) {
  deliver(self, sub, make_batch(std::move(frames)), last_seq);
}

void deliver_document(channel_actor* self, const subscriber& sub,
                      std::vector<frame> frames, uint64_t last_seq) {
  self->send(sub.session, deliver_atom::value, sub.sub_id,
             make_batch(std::move(frames)), last_seq, true);
}

} // namespace channel_detail

namespace {

caf::result<history_page> history(channel_actor* self, uint64_t since,
                                  uint64_t limit) {
  auto& st = self->state;
  history_page page{st.params.name, st.meta.epoch, st.meta.head,
                    st.first_available(), {}};
  // `since` at or past the head (up to UINT64_MAX, where since + 1 would
  // wrap to the oldest page) has nothing after it, nor has a channel whose
  // updates are all trimmed.
  if (since >= st.meta.head || limit == 0)
    return page;
  auto from = std::max(since + 1, st.first_available());
  if (from > st.meta.head)
    return page;
  // Without a store only the ring holds history; a follower without one
  // still asks its owner for what its ring lost (history_reader).
  if (st.ring->covers(from) || (!st.persistent() && !st.follower())) {
    page.updates = st.ring->records_from(from, limit);
    return page;
  }
  auto rp = self->make_response_promise<history_page>();
  // from <= head here; written so that a huge limit cannot wrap round.
  auto to = st.meta.head - from < limit ? st.meta.head : from + limit - 1;
  self
    ->request(history_reader(self), caf::infinite, read_atom::value,
              st.meta.id, from, to, limit, no_byte_limit)
    .then(
      [rp, page](std::vector<record>& records) mutable {
        page.updates = std::move(records);
        rp.deliver(std::move(page));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// The ring and the idempotency keys still in their window, from the store.
void restore_ring(channel_actor* self) {
  auto& st = self->state;
  if (st.meta.head < st.meta.first)
    return report_summary(self);
  // One read serves the ring and the idempotency keys still in their
  // window (the keys travel with the records).
  auto ring_size = static_cast<uint64_t>(st.params.limits.ring_size);
  auto want = ring_size;
  auto now = wall_clock_ms();
  auto window = st.params.limits.idempotency_window.count();
  if (st.meta.last_ts >= now - window)
    want = std::max<uint64_t>(want, st.params.limits.max_keys);
  auto from = st.meta.head >= want ? st.meta.head - want + 1 : 1;
  from = std::max(from, st.meta.first);
  self
    ->request(st.params.store_reader, caf::infinite, read_atom::value,
              st.meta.id, from, st.meta.head, want, no_byte_limit)
    .await(
      [self, ring_size, now](const std::vector<record>& records) {
        auto& st = self->state;
        auto ring_from = records.size() > ring_size
                           ? records.size() - ring_size
                           : 0;
        for (size_t i = 0; i < records.size(); ++i) {
          auto& rec = records[i];
          if (!rec.key.empty())
            remember_key(st, rec);
          if (i >= ring_from)
            st.ring->push(rec, frames::update(st.params.name, rec));
        }
        expire_keys(st, now);
        report_summary(self);
      },
      [self](caf::error& err) { self->quit(err); });
}

// Restores head, epoch, the document and the ring from the store before
// serving anything: `await` holds back every other message until it is done.
void restore(channel_actor* self) {
  auto& st = self->state;
  if (!st.persistent() || (st.follower() && !st.cluster.role.replica)) {
    st.meta.name = st.params.name;
    st.meta.kind = st.params.decl.kind;
    st.meta.epoch = fresh_epoch();
    st.doc = *json_text::parse("{}");
    report_summary(self);
    return;
  }
  self
    ->request(st.params.store_writer, caf::infinite, open_atom::value,
              st.params.name, st.params.decl.kind)
    .await(
      [self](channel_meta& meta) {
        self->state.meta = std::move(meta);
        restore_document(self, [self] { restore_ring(self); });
      },
      [self](caf::error& err) { self->quit(err); });
}

caf::behavior channel_behavior(channel_actor* self, channel_params params) {
  auto& st = self->state;
  st.ring.emplace(params.limits.ring_size, params.limits.ring_bytes);
  st.params = std::move(params);
  if (st.params.cluster) {
    st.cluster.enabled = true;
    st.cluster.role = *st.params.cluster;
    st.cluster.local_writer = st.params.store_writer;
    st.cluster.local_reader = st.params.store_reader;
  }
  restore(self);
  if (st.cluster.enabled)
    cluster_detail::start(self);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.subs.erase(dm.source) == 0 && self->state.cluster.enabled)
      cluster_detail::peer_down(self, dm.source);
    report_summary(self);
  });
  // A clean stop stores the document, so the next start has nothing to
  // re-apply. The write is sent before the actor quits; the directory waits
  // for its channels, and the node stops the store writer after it.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    store_snapshot(self, false);
    self->quit(msg.reason);
  });
  // A cluster relay has no store yet but may become the replica or the
  // owner later: every channel with a store writer keeps the tick.
  if (st.params.store_writer && st.params.limits.trim_interval.count() > 0)
    self->delayed_send(self, st.params.limits.trim_interval, tick_atom::value);
  caf::message_handler local{
    [self](publish_atom, std::string& data_json) -> caf::result<publish_ack> {
      return accept_publish(self, std::move(data_json), {});
    },
    [self](publish_atom, std::string& data_json,
           std::string& key) -> caf::result<publish_ack> {
      return accept_publish(self, std::move(data_json), std::move(key));
    },
    [self](publish_atom, std::vector<publish_item>& items)
      -> caf::result<std::vector<publish_outcome>> {
      return accept_publishes(self, std::move(items));
    },
    [self](flush_atom) {
      self->state.flush_queued = false;
      flush(self);
    },
    [self](subscribe_atom, const caf::actor& session, uint64_t sub_id,
           const subscribe_request& req) {
      if (cluster_detail::stash_subscribe(self, session, sub_id, req))
        return;
      subscribe(self, session, sub_id, req);
    },
    [self](catchup_atom, uint64_t sub_id, uint64_t budget) {
      // The session has `budget` bytes of room for the next catch-up chunk.
      auto addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto it = self->state.subs.find(addr);
      if (it == self->state.subs.end() || it->second.sub_id != sub_id)
        return;
      it->second.budget = budget;
      continue_catchup(self, addr, sub_id);
    },
    [self](conflate_atom, uint64_t old_sub_id, uint64_t new_sub_id,
           uint64_t since) {
      auto addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
      start_conflation(self, addr, old_sub_id, new_sub_id, since);
    },
    [self](unsubscribe_atom, const caf::actor& session) {
      auto& subs = self->state.subs;
      if (subs.erase(session.address()) > 0)
        self->demonitor(session);
      report_summary(self);
    },
    [self](info_atom) { return summary_of(self); },
    // The directory retires idle channels made from `*` patterns. Only a
    // channel that never had an update, has no subscriber and nothing in
    // flight agrees, and it stops at once: a publish or subscribe sent to it
    // afterwards fails instead of being taken and lost.
    [self](retire_atom) -> bool {
      auto& st = self->state;
      if (st.meta.head != 0 || !st.subs.empty() || !st.pending.empty()
          || st.busy || !st.key_waiters.empty() || st.cluster.enabled)
        return false;
      self->quit();
      return true;
    },
    [self](history_atom, uint64_t since, uint64_t limit) {
      return history(self, since, limit);
    },
    [self](state_atom) -> caf::result<state_doc> {
      auto& st = self->state;
      if (!st.is_state())
        return make_error(errc::unknown_channel,
                          st.params.name + " is a stream channel");
      return state_doc{st.params.name, st.meta.epoch, st.meta.head,
                       json_text::dump(st.doc)};
    },
    [self](tick_atom) {
      auto& st = self->state;
      if (wall_clock_ms() - st.snapshot_ms
          >= st.params.limits.state_snapshot_interval.count())
        store_snapshot(self, true);
      trim(self);
      // Also catches a change no other path reported (a cluster resync).
      report_summary(self);
      self->delayed_send(self, self->state.params.limits.trim_interval,
                         tick_atom::value);
    },
  };
  if (!self->state.cluster.enabled)
    return local;
  return caf::behavior{local.or_else(cluster_detail::handlers(self))};
}

} // namespace

caf::actor spawn_channel(caf::actor_system& sys, channel_params params) {
  return sys.spawn(channel_behavior, std::move(params));
}

} // namespace tidewire