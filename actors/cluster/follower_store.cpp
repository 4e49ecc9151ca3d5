// The replica's (and a promoted follower's) store: opened the first time
// the follower persists, written in seq order trailing the served head, and
// the owner's sync replication acknowledged once a batch is stored.

#include <algorithm>
#include <chrono>

#include "actors/cluster/follower_ops.hpp"
#include "actors/errors.hpp"

namespace tidewire::cluster_detail {

namespace {

constexpr auto persist_retry = std::chrono::milliseconds(200);

void answer_waiters(channel_actor* self) {
  auto& cl = self->state.cluster;
  auto& waiters = cl.ack_waiters;
  for (auto it = waiters.begin(); it != waiters.end();) {
    if (it->first <= cl.stored_head) {
      it->second.deliver(cluster::replicated{
        cluster::protocol_version, self->state.params.name, cl.stored_head});
      it = waiters.erase(it);
    } else {
      ++it;
    }
  }
}

} // namespace

// The replica (and a promoted follower) writes what it serves into the
// local store, in order, trailing the served head by at most one append.
void persist_more(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  answer_waiters(self);
  if (!st.persistent() || !cl.opened || st.busy)
    return;
  if (cl.stored_head >= st.meta.head) {
    if (st.follower()) {
      if (channel_detail::over_retention(st)
          && cl.untrimmed_head != st.meta.head)
        trim_replica(self);
      return;
    }
    check_claim(self);
    if (cl.role.owner && !cl.claiming)
      channel_detail::flush(self);
    return;
  }
  auto from = cl.stored_head + 1;
  auto write = [self](std::vector<record> records) {
    auto& st = self->state;
    auto stored = st.meta;
    stored.head = records.back().seq;
    stored.last_ts = records.back().ts;
    if (stored.head != st.meta.head)
      stored.state.clear(); // only streams stop short of the head
    st.busy = true;
    self
      ->request(st.cluster.local_writer, caf::infinite, append_atom::value,
                stored, records)
      .then(
        [self, head = stored.head](ok_atom) {
          self->state.busy = false;
          self->state.cluster.stored_head = head;
          persist_more(self);
        },
        [self](caf::error&) {
          self->state.busy = false;
          self->delayed_send(self, persist_retry, persist_atom::value);
        });
  };
  if (st.ring->covers(from)) {
    // A state channel's stored document must match the stored head, so it
    // always writes up to the served head.
    auto limit = st.is_state() ? SIZE_MAX : st.params.limits.max_batch;
    write(st.ring->records_from(from, limit));
    return;
  }
  if (st.is_state() || !cl.upstream) {
    // What the ring lost cannot be stored in order: the stored history
    // restarts at the served head.
    auto stored = st.meta;
    stored.first = st.meta.head + 1;
    if (!st.is_state())
      stored.state.clear();
    st.busy = true;
    self
      ->request(cl.local_writer, caf::infinite, reset_atom::value, stored)
      .then(
        [self, stored](ok_atom) {
          auto& st = self->state;
          st.busy = false;
          st.cluster.stored_head = stored.head;
          st.meta.first = std::max(st.meta.first, stored.first);
          persist_more(self);
        },
        [self](caf::error&) {
          self->state.busy = false;
          self->delayed_send(self, persist_retry, persist_atom::value);
        });
    return;
  }
  st.busy = true;
  auto to = std::min(st.meta.head, from + st.params.limits.read_chunk - 1);
  self
    ->request(cl.upstream, peer_timeout,
              cluster::fetch_request{cluster::protocol_version, st.params.name,
                                     from, to, st.params.limits.read_chunk})
    .then(
      [self, write, from](cluster::batch& b) {
        self->state.busy = false;
        if (b.records.empty() || b.records.front().seq != from) {
          self->delayed_send(self, persist_retry, persist_atom::value);
          return;
        }
        write(std::move(b.records));
      },
      [self](caf::error&) {
        self->state.busy = false;
        self->delayed_send(self, persist_retry, persist_atom::value);
      });
}

// Loads (or creates) this channel's entry in the local store the first time
// the follower has to persist, and decides what of it is still good.
void open_store(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.opened || !st.persistent() || st.busy)
    return;
  st.busy = true;
  self
    ->request(cl.local_writer, caf::infinite, open_atom::value,
              st.params.name, st.params.decl.kind)
    .then(
      [self](storage::channel_meta& local) {
        auto& st = self->state;
        auto& cl = st.cluster;
        st.busy = false;
        cl.opened = true;
        st.meta.id = local.id;
        auto ring_from = st.ring->empty() ? st.meta.head + 1
                                          : st.ring->first_seq();
        if (local.epoch == st.meta.epoch && local.head <= st.meta.head
            && local.head + 1 >= ring_from) {
          cl.stored_head = local.head; // the ring has the rest
        } else {
          cl.stored_head = ring_from - 1;
          auto stored = st.meta;
          stored.head = ring_from - 1;
          stored.first = ring_from;
          if (!st.is_state() || stored.head != st.meta.head)
            stored.state.clear();
          st.busy = true;
          self
            ->request(cl.local_writer, caf::infinite, reset_atom::value,
                      stored)
            .then(
              [self](ok_atom) {
                self->state.busy = false;
                persist_more(self);
              },
              [self](caf::error& err) { self->quit(err); });
          return;
        }
        persist_more(self);
      },
      [self](caf::error& err) { self->quit(err); });
}

// Only once the store holds the served head: the stored metadata is then
// the served one (a state channel's snapshot included), so the store's
// retention rules see exactly what an owner's would.
void trim_replica(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!st.follower() || !st.persistent() || !cl.opened || st.busy
      || cl.stored_head != st.meta.head)
    return;
  auto& decl = st.params.decl;
  st.busy = true;
  self
    ->request(cl.local_writer, caf::infinite, trim_atom::value, st.meta,
              decl.retention_count,
              static_cast<int64_t>(decl.retention_age.count()),
              channel_detail::wall_clock_ms())
    .then(
      [self](const storage::channel_meta& trimmed) {
        auto& st = self->state;
        st.busy = false;
        if (trimmed.first > st.meta.first) {
          st.meta.first = trimmed.first;
          persist_more(self);
        } else {
          // Nothing could go (a state channel keeps the records after its
          // snapshot): not again before the head moves.
          st.cluster.untrimmed_head = st.meta.head;
        }
      },
      [self](caf::error&) {
        // Replication goes on; the trim is tried again after the retry.
        self->state.busy = false;
        self->delayed_send(self, persist_retry, persist_atom::value);
      });
}

caf::result<cluster::replicated>
on_replicate(channel_actor* self, cluster::replicate_request& req) {
  auto& st = self->state;
  auto& cl = st.cluster;
  auto& b = req.updates;
  if (b.version != cluster::protocol_version)
    return make_error(errc::bad_request, "unsupported cluster protocol version");
  if (!st.follower() || !cl.role.replica || !st.persistent())
    return make_error(errc::unavailable,
                      st.params.name + " is not replicated here");
  if (b.generation < cl.generation
      || self->current_sender() != cl.upstream.address())
    return make_error(errc::unavailable,
                      "replication from a stale owner of " + st.params.name);
  if (b.records.empty())
    return cluster::replicated{cluster::protocol_version, st.params.name,
                               cl.stored_head};
  auto last = b.records.back().seq;
  cl.upstream_head = std::max(cl.upstream_head, b.head);
  accept(self, std::move(b.records));
  if (cl.stored_head >= last)
    return cluster::replicated{cluster::protocol_version, st.params.name,
                               cl.stored_head};
  auto rp = self->make_response_promise<cluster::replicated>();
  cl.ack_waiters.emplace_back(last, rp);
  return rp;
}

} // namespace tidewire::cluster_detail
