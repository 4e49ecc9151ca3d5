// How a follower keeps what it serves in step with the owner: it follows
// the owner's channel actor, starts from its snapshot (or keeps its own copy
// when that is a prefix of the owner's), applies committed batches in seq
// order and fetches what lies in a gap.

#include <algorithm>
#include <chrono>

#include "actors/cluster/follower_ops.hpp"
#include "actors/errors.hpp"
#include "actors/frames.hpp"
#include "actors/json_text.hpp"

namespace tidewire::cluster_detail {

using channel_detail::make_visible;

namespace {

constexpr auto follow_retry = std::chrono::milliseconds(200);

// The served history changed under live subscribers (another epoch, or a
// tail the owner never had): they are told, and subscribe again.
void drop_subscribers(channel_actor* self, const std::string& why) {
  auto& st = self->state;
  for (auto& [addr, sub] : st.subs) {
    channel_detail::deliver(
      self, sub, {frames::error("unavailable", why, {})}, 0);
    self->demonitor(addr);
  }
  st.subs.clear();
}

// Replaces what this follower serves (and, for the replica, stores) with
// the owner's snapshot: used when our copy is not a prefix of the owner's.
void reset_to(channel_actor* self, const cluster::snapshot& s) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.synced && (st.meta.head > 0 || !st.subs.empty()))
    drop_subscribers(self, "the history of " + st.params.name
                             + " was replaced by its owner's; subscribe again");
  st.meta.name = st.params.name;
  st.meta.kind = s.kind.empty() ? st.params.decl.kind : s.kind;
  st.meta.epoch = s.epoch;
  st.meta.head = s.head;
  st.meta.first = s.first;
  st.meta.last_ts = s.last_ts;
  st.meta.state = s.state;
  st.meta.state_seq = s.head;
  st.doc = *json_text::parse("{}");
  if (st.is_state() && !s.state.empty())
    if (auto doc = json_text::parse(s.state); doc && doc->is_object())
      st.doc = std::move(*doc);
  st.ring.emplace(st.params.limits.ring_size,
                  st.params.limits.ring_bytes);
  st.snapshot_frame = nullptr;
  st.store_frames.clear(); // those seqs now mean other updates
  st.keys.clear();         // and the keys pointed at them
  st.key_order.clear();
  if (!st.persistent() || !cl.opened)
    return;
  // The store restarts where the owner's retained history starts (a state
  // channel: at the snapshot); persist_more then copies the rest.
  auto stored = st.meta;
  if (st.is_state()) {
    stored.first = s.head + 1;
  } else {
    stored.head = s.first - 1;
    stored.state.clear();
  }
  st.busy = true;
  auto attempt = cl.attempt;
  self
    ->request(cl.local_writer, caf::infinite, reset_atom::value, stored)
    .then(
      [self, stored, attempt](ok_atom) {
        auto& st = self->state;
        st.busy = false;
        st.cluster.stored_head = stored.head;
        if (st.is_state())
          st.meta.first = stored.first;
        persist_more(self);
      },
      [self](caf::error&) {
        self->state.busy = false;
        begin_follow(self); // try the whole sync again
      });
}

// Asks the owner for what lies between our head and what it announced.
void fetch_gap(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.fetching || !cl.upstream)
    return;
  auto target = cl.early.empty() ? cl.upstream_head
                                 : cl.early.front().records.front().seq - 1;
  if (st.meta.head >= target)
    return;
  cl.fetching = true;
  auto attempt = cl.attempt;
  self
    ->request(cl.upstream, peer_timeout,
              cluster::fetch_request{cluster::protocol_version, st.params.name,
                                     st.meta.head + 1, target,
                                     st.params.limits.read_chunk})
    .then(
      [self, attempt](cluster::batch& b) {
        auto& cl = self->state.cluster;
        if (attempt != cl.attempt)
          return;
        cl.fetching = false;
        if (b.records.empty() || b.records.front().seq > self->state.meta.head + 1) {
          // The owner no longer has what we miss (retention): start over
          // from its snapshot.
          begin_follow(self);
          return;
        }
        accept(self, std::move(b.records));
      },
      [self, attempt](caf::error&) {
        if (attempt != self->state.cluster.attempt)
          return;
        self->state.cluster.fetching = false;
        begin_follow(self);
      });
}

} // namespace

// Applies records that continue our head; keeps those past a gap.
void accept(channel_actor* self, std::vector<record> records) {
  auto& st = self->state;
  auto& cl = st.cluster;
  auto stale = std::find_if(records.begin(), records.end(), [&](auto& r) {
    return r.seq > st.meta.head;
  });
  records.erase(records.begin(), stale);
  if (records.empty())
    return;
  if (records.front().seq != st.meta.head + 1) {
    cl.early.push_back(cluster::batch{cluster::protocol_version, st.params.name,
                                      st.meta.epoch, cl.generation,
                                      records.back().seq, st.meta.first,
                                      std::move(records)});
    std::sort(cl.early.begin(), cl.early.end(), [](auto& x, auto& y) {
      return x.records.front().seq < y.records.front().seq;
    });
    fetch_gap(self);
    return;
  }
  for (auto& rec : records) {
    st.meta.head = rec.seq;
    st.meta.last_ts = rec.ts;
    if (st.is_state())
      if (auto patch = json_text::parse(rec.data))
        json_text::merge_patch(st.doc, *patch);
  }
  if (st.is_state()) {
    st.meta.state = json_text::dump(st.doc);
    st.meta.state_seq = st.meta.head; // a replica stores it with each append
  }
  // The keys travel with the records: once this follower owns the channel
  // it answers a retried publish with the first seq.
  for (auto& rec : records)
    if (!rec.key.empty())
      channel_detail::remember_key(st, rec);
  make_visible(self, records);
  while (!cl.early.empty()
         && cl.early.front().records.back().seq <= st.meta.head)
    cl.early.pop_front();
  if (!cl.early.empty()
      && cl.early.front().records.front().seq <= st.meta.head + 1) {
    auto next = std::move(cl.early.front().records);
    cl.early.pop_front();
    accept(self, std::move(next));
    return;
  }
  fetch_gap(self);
  persist_more(self);
  check_claim(self);
}

namespace {

void follow_actor(channel_actor* self, uint64_t attempt,
                  const caf::actor& owner) {
  auto& st = self->state;
  self
    ->request(owner, peer_timeout,
              cluster::follow_request{cluster::protocol_version,
                                      st.params.name, st.cluster.generation,
                                      st.cluster.role.replica,
                                      st.cluster.role.self_name})
    .then(
      [self, attempt, owner](const cluster::snapshot& s) {
        on_snapshot(self, attempt, owner, s);
      },
      [self, attempt](caf::error&) {
        if (attempt == self->state.cluster.attempt)
          schedule_follow(self);
      });
}

} // namespace

void schedule_follow(channel_actor* self) {
  self->delayed_send(self, follow_retry, retry_atom::value,
                     self->state.cluster.attempt);
}

// Subscribers held back until the first sync with the owner.
void serve_stash(channel_actor* self) {
  auto& cl = self->state.cluster;
  for (auto& s : std::exchange(cl.stash, {}))
    channel_detail::subscribe(self, s.session, s.sub_id, s.req);
}

void begin_follow(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.role.owner)
    return;
  ++cl.attempt;
  if (cl.upstream) {
    self->demonitor(cl.upstream);
    self->send(cl.upstream,
               cluster::unfollow_request{cluster::protocol_version,
                                         st.params.name});
    cl.upstream = nullptr;
    fail_forwards(self, "the owner of " + st.params.name
                          + " moved while the publish was forwarded");
  }
  cl.early.clear();
  cl.fetching = false;
  auto attempt = cl.attempt;
  auto ask_service = [self, attempt](const caf::actor& service) {
    auto& st = self->state;
    self
      ->request(service, peer_timeout,
                cluster::resolve_request{cluster::protocol_version,
                                         st.params.name})
      .then(
        [self, attempt](const cluster::resolved& r) {
          auto& st = self->state;
          if (attempt != st.cluster.attempt || !r.owner) {
            schedule_follow(self);
            return;
          }
          follow_actor(self, attempt, r.owner);
        },
        [self, attempt](caf::error&) {
          if (attempt == self->state.cluster.attempt)
            schedule_follow(self);
        });
  };
  if (cl.role.owner_service) {
    ask_service(cl.role.owner_service);
  } else if (!cl.role.owner_node && cl.claimant) {
    follow_actor(self, attempt, cl.claimant);
  } else if (cl.role.owner_node) {
    self
      ->request(cl.role.owner_node, peer_timeout, get_atom::value,
                std::string{"channels"})
      .then([ask_service](const caf::actor& service) { ask_service(service); },
            [self, attempt](caf::error&) {
              if (attempt == self->state.cluster.attempt)
                schedule_follow(self);
            });
  } else {
    schedule_follow(self); // no owner known yet: wait for a role
  }
}

// Our copy continues the owner's history when it has the same epoch, is no
// longer than it and still meets its retained range. A former owner's copy
// can end in a tail the new owner never had: the record at our head must
// then be the owner's too, or the copy is replaced.
void on_snapshot(channel_actor* self, uint64_t attempt,
                 const caf::actor& upstream, const cluster::snapshot& s) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (attempt != cl.attempt
      || (!cl.claiming && s.generation < cl.generation)) {
    self->send(upstream, cluster::unfollow_request{cluster::protocol_version,
                                                   st.params.name});
    if (attempt == cl.attempt)
      schedule_follow(self);
    return;
  }
  if (!cl.claiming)
    cl.generation = s.generation;
  cl.upstream = upstream;
  cl.upstream_head = s.head;
  self->monitor(upstream);
  auto h = st.meta.head;
  bool prefix = st.meta.epoch == s.epoch && h <= s.head && h + 1 >= s.first;
  auto finish = [self, s](bool keep) {
    auto& st = self->state;
    auto& cl = st.cluster;
    if (!keep)
      reset_to(self, s);
    else if (!st.persistent())
      st.meta.first = s.first;
    if (!cl.claiming) {
      cl.synced = true;
      serve_stash(self);
    }
    fetch_gap(self);
    open_store(self);
    persist_more(self);
    check_claim(self);
  };
  if (!prefix || h == 0 || h < s.first || !st.ring->covers(h)) {
    finish(prefix);
    return;
  }
  auto mine = st.ring->records_from(h, 1).front();
  self
    ->request(upstream, peer_timeout,
              cluster::fetch_request{cluster::protocol_version, st.params.name,
                                     h, h, 1})
    .then(
      [self, attempt, mine, finish](const cluster::batch& b) {
        if (attempt != self->state.cluster.attempt)
          return;
        bool same = b.records.size() == 1 && b.records[0].seq == mine.seq
                    && b.records[0].ts == mine.ts
                    && b.records[0].data == mine.data;
        finish(same);
      },
      [self, attempt](caf::error&) {
        if (attempt == self->state.cluster.attempt)
          schedule_follow(self);
      });
}

void on_batch(channel_actor* self, cluster::batch& b) {
  auto& st = self->state;
  auto& cl = st.cluster;
  // Fencing: only the owner we follow, at a generation we accept.
  if (!st.follower() || b.version != cluster::protocol_version
      || b.generation < cl.generation
      || self->current_sender() != cl.upstream.address())
    return;
  cl.upstream_head = std::max(cl.upstream_head, b.head);
  if (!st.persistent())
    st.meta.first = std::max(st.meta.first, b.first);
  accept(self, std::move(b.records));
}

} // namespace tidewire::cluster_detail
