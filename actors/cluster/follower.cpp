// A follower of a channel owned by another node: a relay (memory only) or
// the replica (persists every record in this node's store). It serves local
// sessions with the same subscriber protocol as the owner, from a ring and
// meta kept in step with the owner's committed records, and forwards
// publishes to the owner. Role changes (promotion to owner, demotion, a new
// owner after a failover) arrive from the directory as (role_atom, role).

#include <algorithm>
#include <chrono>

#include "actors/cluster/channel_ops.hpp"
#include "actors/errors.hpp"
#include "actors/frames.hpp"
#include "actors/json_text.hpp"

namespace tidewire::cluster_detail {

using channel_detail::make_visible;
using channel_detail::no_byte_limit;

namespace {

constexpr auto peer_timeout = std::chrono::seconds(5);
constexpr auto follow_retry = std::chrono::milliseconds(200);
constexpr auto persist_retry = std::chrono::milliseconds(200);

void begin_follow(channel_actor* self);
void check_claim(channel_actor* self);
void accept(channel_actor* self, std::vector<record> records);
void persist_more(channel_actor* self);

caf::error no_upstream(channel_actor* self) {
  return make_error(errc::unavailable,
                    "the owner of " + self->state.params.name
                      + " is not reachable from this node yet; retry");
}

void schedule_follow(channel_actor* self) {
  self->delayed_send(self, follow_retry, retry_atom::value,
                     self->state.cluster.attempt);
}

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

// Subscribers held back until the first sync with the owner.
void serve_stash(channel_actor* self) {
  auto& cl = self->state.cluster;
  for (auto& s : std::exchange(cl.stash, {}))
    channel_detail::subscribe(self, s.session, s.sub_id, s.req);
}

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
  st.doc = *json_text::parse("{}");
  if (st.is_state() && !s.state.empty())
    if (auto doc = json_text::parse(s.state); doc && doc->is_object())
      st.doc = std::move(*doc);
  st.ring.emplace(st.params.limits.ring_size);
  st.snapshot_frame = nullptr;
  st.store_frames.clear(); // those seqs now mean other updates
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
  if (st.is_state())
    st.meta.state = json_text::dump(st.doc);
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

// The replica (and a promoted follower) writes what it serves into the
// local store, in order, trailing the served head by at most one append.
void persist_more(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  answer_waiters(self);
  if (!st.persistent() || !cl.opened || st.busy)
    return;
  if (cl.stored_head >= st.meta.head) {
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

void on_snapshot(channel_actor* self, uint64_t attempt,
                 const caf::actor& upstream, const cluster::snapshot& s);

void follow_actor(channel_actor* self, uint64_t attempt,
                  const caf::actor& owner) {
  auto& st = self->state;
  self
    ->request(owner, peer_timeout,
              cluster::follow_request{cluster::protocol_version,
                                      st.params.name, st.cluster.generation,
                                      st.cluster.role.replica})
    .then(
      [self, attempt, owner](const cluster::snapshot& s) {
        on_snapshot(self, attempt, owner, s);
      },
      [self, attempt](caf::error&) {
        if (attempt == self->state.cluster.attempt)
          schedule_follow(self);
      });
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

// The actor that can hand us the channel's newest history: while taking
// ownership back, the node that held it meanwhile (the replica); else the
// owner.
void resolve_then(channel_actor* self, const caf::actor& service,
                  const caf::actor& node, bool any_role,
                  std::function<void(const caf::actor&)> found,
                  std::function<void()> failed) {
  auto& st = self->state;
  auto ask = [self, any_role, found, failed](const caf::actor& service) {
    self
      ->request(service, peer_timeout,
                cluster::resolve_request{cluster::protocol_version,
                                         self->state.params.name, any_role})
      .then(
        [found, failed](const cluster::resolved& r) {
          if (r.owner)
            found(r.owner);
          else
            failed();
        },
        [failed](caf::error&) { failed(); });
  };
  if (service) {
    ask(service);
  } else if (node) {
    self
      ->request(node, peer_timeout, get_atom::value, std::string{"channels"})
      .then([ask](const caf::actor& service) { ask(service); },
            [failed](caf::error&) { failed(); });
  } else {
    failed();
  }
  (void) st;
}

void finish_claim(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  cl.claiming = false;
  cl.generation = std::max(cl.generation, cl.claim_generation) + 1;
  if (cl.upstream)
    self->demonitor(cl.upstream);
  cl.upstream = nullptr;
  ++cl.attempt;
  cl.early.clear();
  cl.fetching = false;
  cl.synced = true;
  serve_stash(self);
  persist_more(self);
}

void check_claim(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!cl.claiming || st.meta.head < cl.claim_head)
    return;
  if (st.persistent() && (!cl.opened || cl.stored_head < cl.claim_head))
    return;
  finish_claim(self);
}

// Taking ownership from the node that held the channel while we were away
// (at spawn: the replica; later: a follower that saw a newer generation):
// its history wins over ours where they differ.
void claim_from(channel_actor* self, uint64_t attempt,
                const caf::actor& holder) {
  auto& st = self->state;
  auto give_up = [self, attempt] {
    if (attempt == self->state.cluster.attempt && self->state.cluster.claiming)
      finish_claim(self);
  };
  self
    ->request(holder, peer_timeout,
              cluster::claim_request{cluster::protocol_version,
                                     st.params.name, st.cluster.generation})
    .then(
      [self, attempt, holder, give_up](const cluster::snapshot& s) {
        auto& st = self->state;
        auto& cl = st.cluster;
        if (attempt != cl.attempt || !cl.claiming)
          return;
        if (s.head == 0 && s.epoch != st.meta.epoch) {
          give_up(); // the holder has no history of this channel
          return;
        }
        cl.claim_head = s.head;
        cl.claim_generation = s.generation;
        on_snapshot(self, attempt, holder, s);
      },
      [give_up](caf::error&) { give_up(); });
}

void start_claim(channel_actor* self) {
  auto& cl = self->state.cluster;
  cl.claiming = true;
  cl.synced = false;
  ++cl.attempt;
  // A batch waiting for its replica belongs to the history being replaced.
  if (auto retry = std::exchange(cl.retry, {}))
    retry();
}

void begin_claim(channel_actor* self) {
  auto& cl = self->state.cluster;
  start_claim(self);
  auto attempt = cl.attempt;
  auto give_up = [self, attempt] {
    // Nobody to claim from (the replica is gone or has nothing): own what
    // we have.
    if (attempt == self->state.cluster.attempt && self->state.cluster.claiming)
      finish_claim(self);
  };
  resolve_then(
    self, cl.role.replica_service, cl.role.replica_node, true,
    [self, attempt](const caf::actor& holder) {
      claim_from(self, attempt, holder);
    },
    give_up);
}

void promote(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  ++cl.attempt;
  if (cl.upstream) {
    self->demonitor(cl.upstream);
    cl.upstream = nullptr;
  }
  cl.early.clear();
  cl.fetching = false;
  // Fencing: every owner after this one's predecessor carries a higher
  // generation, so the predecessor's late messages are refused.
  ++cl.generation;
  cl.synced = true;
  serve_stash(self);
  st.params.store_reader = cl.local_reader;
  for (auto& w : std::exchange(cl.ack_waiters, {}))
    w.second.deliver(make_error(errc::unavailable, "no longer a replica"));
  open_store(self);
  persist_more(self); // flushes publishes once the store has the head
}

void demote(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  cl.claiming = false;
  for (auto& p : std::exchange(st.pending, {}))
    p.rp.deliver(make_error(errc::unavailable,
                            "the owner of " + st.params.name
                              + " moved to another node; publish again"));
  for (auto& [addr, follower] : cl.followers)
    self->demonitor(addr);
  cl.followers.clear();
  cl.replica = nullptr;
  if (auto retry = std::exchange(cl.retry, {}))
    retry(); // replicate() sees the demotion and refuses its batch
  cl.stored_head = st.meta.head; // an owner's store is at its head
  cl.opened = st.persistent();
  begin_follow(self);
}

void set_role(channel_actor* self, channel_role role) {
  auto& st = self->state;
  auto& cl = st.cluster;
  cl.claimant = nullptr; // the directory knows the owner now
  auto old = std::exchange(cl.role, std::move(role));
  auto& now = cl.role;
  if (old.owner && now.owner)
    return;
  if (!old.owner && now.owner) {
    promote(self);
    return;
  }
  if (old.owner && !now.owner) {
    demote(self);
    return;
  }
  if (old.owner_name != now.owner_name || old.owner_node != now.owner_node
      || old.owner_service != now.owner_service
      || old.replica != now.replica || !cl.upstream)
    begin_follow(self);
}

caf::result<std::vector<record>> read(channel_actor* self, uint64_t from,
                                      uint64_t to, uint64_t limit,
                                      uint64_t max_bytes) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (st.persistent() && cl.opened && to <= cl.stored_head
      && from >= st.meta.first) {
    auto rp = self->make_response_promise<std::vector<record>>();
    self
      ->request(cl.local_reader, caf::infinite, read_atom::value, st.meta.id,
                from, to, limit, max_bytes)
      .then([rp](std::vector<record>& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    return rp;
  }
  if (!cl.upstream)
    return no_upstream(self);
  auto rp = self->make_response_promise<std::vector<record>>();
  self
    ->request(cl.upstream, peer_timeout,
              cluster::fetch_request{cluster::protocol_version, st.params.name,
                                     from, to, limit})
    .then(
      [rp, max_bytes](cluster::batch& b) mutable {
        uint64_t bytes = 0;
        size_t n = 0;
        for (; n < b.records.size(); ++n) {
          bytes += b.records[n].data.size();
          if (n > 0 && bytes > max_bytes)
            break;
        }
        b.records.resize(n);
        rp.deliver(std::move(b.records));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
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

// Another node takes this channel over: stop owning it now (the directory's
// view may not show that node yet) and say where our history ends.
caf::result<cluster::snapshot> on_claim(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.role.owner && !cl.claiming) {
    // Follow the claimant until the directory's view catches up.
    cl.role.owner = false;
    cl.role.owner_name.clear();
    cl.role.owner_node = nullptr;
    cl.role.owner_service = nullptr;
    cl.claimant = caf::actor_cast<caf::actor>(self->current_sender());
    demote(self);
  }
  return cluster::snapshot{cluster::protocol_version,
                           st.params.name,
                           st.params.decl.kind,
                           st.meta.epoch,
                           cl.generation,
                           st.meta.head,
                           st.first_available(),
                           st.meta.last_ts,
                           st.is_state() ? json_text::dump(st.doc) : std::string{}};
}

} // namespace

void claim_from_newer(channel_actor* self, const caf::actor& holder) {
  auto& cl = self->state.cluster;
  if (!cl.role.owner || cl.claiming)
    return;
  start_claim(self);
  claim_from(self, cl.attempt, holder);
}

void upstream_lost(channel_actor* self) {
  auto& cl = self->state.cluster;
  cl.upstream = nullptr;
  if (cl.claiming) {
    finish_claim(self); // the holder is gone: own what we have
    return;
  }
  ++cl.attempt;
  // The directory hears about the lost node from membership and sends a new
  // role; until then keep trying where the role points.
  schedule_follow(self);
}

void start(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.role.owner) {
    cl.generation = std::max<uint64_t>(cl.generation, 1);
    cl.opened = st.persistent();
    cl.stored_head = st.meta.head;
    if (cl.role.replica_node || cl.role.replica_service)
      begin_claim(self);
    else
      cl.synced = true;
    return;
  }
  cl.opened = st.persistent();
  cl.stored_head = st.meta.head;
  begin_follow(self);
}

caf::result<publish_ack> forward_publish(channel_actor* self,
                                         std::string data_json) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!cl.role.quorum)
    return make_error(errc::unavailable,
                      "this node does not see a majority of the cluster;"
                      " publishes are refused until it does");
  if (!cl.upstream)
    return no_upstream(self);
  auto rp = self->make_response_promise<publish_ack>();
  self
    ->request(cl.upstream, peer_timeout,
              cluster::publish_request{cluster::protocol_version,
                                       st.params.name, std::move(data_json)})
    .then(
      [rp](const cluster::publish_result& r) mutable {
        rp.deliver(publish_ack{r.channel, r.seq, r.epoch});
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<history_page> follower_history(channel_actor* self,
                                           uint64_t since, uint64_t limit) {
  auto& st = self->state;
  history_page page{st.params.name, st.meta.epoch, st.meta.head,
                    st.first_available(), {}};
  auto from = std::max(since + 1, st.first_available());
  if (from > st.meta.head || limit == 0)
    return page;
  if (st.ring->covers(from)) {
    page.updates = st.ring->records_from(from, limit);
    return page;
  }
  auto rp = self->make_response_promise<history_page>();
  auto to = std::min(st.meta.head, from + limit - 1);
  self
    ->request(caf::actor_cast<caf::actor>(self), caf::infinite,
              read_atom::value, st.meta.id, from, to, limit, no_byte_limit)
    .then(
      [rp, page](std::vector<record>& records) mutable {
        page.updates = std::move(records);
        rp.deliver(std::move(page));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

bool stash_subscribe(channel_actor* self, const caf::actor& session,
                     uint64_t sub_id, const subscribe_request& req) {
  auto& cl = self->state.cluster;
  if (!cl.enabled || cl.synced)
    return false;
  cl.stash.push_back({session, sub_id, req});
  return true;
}

caf::message_handler handlers(channel_actor* self) {
  return {
    [self](role_atom, channel_role& role) { set_role(self, std::move(role)); },
    [self](const cluster::follow_request& req)
      -> caf::result<cluster::snapshot> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      return follow(self, req);
    },
    [self](const cluster::unfollow_request&) { unfollow(self); },
    [self](const cluster::fetch_request& req) -> caf::result<cluster::batch> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      return fetch(self, req); // a follower serves what it has too
    },
    [self](const cluster::publish_request& req)
      -> caf::result<cluster::publish_result> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      if (auto err = refuse_publish(self))
        return err;
      return forwarded_publish(self, req);
    },
    [self](const cluster::claim_request& req)
      -> caf::result<cluster::snapshot> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      return on_claim(self);
    },
    [self](cluster::batch& b) { on_batch(self, b); },
    [self](cluster::replicate_request& req) {
      return on_replicate(self, req);
    },
    [self](read_atom, uint32_t, uint64_t from, uint64_t to, uint64_t limit,
           uint64_t max_bytes) {
      return read(self, from, to, limit, max_bytes);
    },
    [self](retry_atom) {
      if (auto retry = std::exchange(self->state.cluster.retry, {}))
        retry();
    },
    [self](retry_atom, uint64_t attempt) {
      if (attempt == self->state.cluster.attempt
          && self->state.follower())
        begin_follow(self);
    },
    [self](persist_atom) { persist_more(self); },
  };
}

} // namespace tidewire::cluster_detail
