// The publish path of a channel actor: idempotency keys, the group commit
// (flush), commit and retention trims. Behaviour, restore and history are in
// channel.cpp; subscribe and catch-up in channel_catchup.cpp.

#include <algorithm>
#include <chrono>
#include <memory>

#include "actors/channel_state.hpp"
#include "actors/cluster/channel_ops.hpp"
#include "actors/errors.hpp"

namespace tidewire::channel_detail {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// Forgets keys past the window or the count bound, oldest first.
void expire_keys(channel_state& st, int64_t now_ms) {
  auto oldest = now_ms - st.params.limits.idempotency_window.count();
  while (!st.key_order.empty()
         && (st.keys.size() > st.params.limits.max_keys
             || st.key_order.front().ts < oldest)) {
    auto& front = st.key_order.front();
    // A key reused after it expired has a newer entry further back.
    if (auto it = st.keys.find(front.key);
        it != st.keys.end() && it->second.seq == front.seq)
      st.keys.erase(it);
    st.key_order.pop_front();
  }
}

void remember_key(channel_state& st, const record& rec) {
  used_key used{rec.key, rec.seq, rec.ts};
  st.keys[rec.key] = used;
  st.key_order.push_back(std::move(used));
  expire_keys(st, rec.ts);
}

namespace {

// Publishes that repeated `key` while its first publish was being stored.
void answer_repeats(channel_state& st, const std::string& key,
                    const caf::expected<publish_ack>& result) {
  if (key.empty())
    return;
  auto it = st.key_waiters.find(key);
  if (it == st.key_waiters.end())
    return;
  for (auto& rp : it->second)
    rp.deliver(result);
  st.key_waiters.erase(it);
}

// Makes a durable batch visible: ring, fan-out, then the publishers' acks.
void commit(channel_actor* self, channel_meta next,
            const std::vector<json_text::value>& patches,
            const std::vector<record>& records,
            std::vector<pending_publish>& batch) {
  auto& st = self->state;
  if (!next.state.empty())
    st.snapshot_ms = records.back().ts;
  next.state.clear(); // stored; in memory the document is `doc`
  st.meta = std::move(next);
  if (st.is_state())
    commit_document(st, patches);
  for (auto& rec : records)
    if (!rec.key.empty())
      remember_key(st, rec);
  make_visible(self, records);
  for (size_t i = 0; i < batch.size(); ++i) {
    publish_ack ack{st.params.name, records[i].seq, st.meta.epoch};
    batch[i].rp.deliver(ack);
    answer_repeats(st, batch[i].key, ack);
  }
  if (st.cluster.enabled)
    cluster_detail::after_commit(self, records);
}

// A batch that was not committed (the actor stopped being the owner while
// it waited for its replica, or no replica came): nothing of it was
// acknowledged or delivered.
void refuse_batch(channel_state& st, std::vector<pending_publish>& batch,
                  const caf::error& err) {
  for (auto& p : batch) {
    p.rp.deliver(err);
    answer_repeats(st, p.key, err);
  }
}

} // namespace

bool over_retention(const channel_state& st) {
  auto count = st.meta.head + 1 - st.meta.first;
  auto limit = st.params.decl.retention_count;
  // Trim in steps of about 1% so a busy channel does not range-delete one
  // record per publish. A count of 0 keeps any number (the store trims
  // only by age then, which the interval tick does).
  return limit > 0 && count > limit + limit / 100 + 1;
}

void trim(channel_actor* self) {
  auto& st = self->state;
  if (st.follower()) {
    cluster_detail::trim_replica(self);
    return;
  }
  if (st.busy || !st.persistent())
    return;
  st.busy = true;
  auto& decl = st.params.decl;
  self
    ->request(st.params.store_writer, caf::infinite, trim_atom::value, st.meta,
              decl.retention_count,
              static_cast<int64_t>(decl.retention_age.count()), wall_clock_ms())
    .then(
      [self](const channel_meta& trimmed) {
        self->state.meta.first = trimmed.first;
        self->state.busy = false;
        report_summary(self);
        flush(self);
      },
      [self](caf::error& err) {
        // Retention is retried at the next interval; publishing goes on.
        self->state.busy = false;
        flush(self);
      });
}

// Group commit: every publish queued while the previous write was in flight
// goes into the next WriteBatch (at most limits.max_batch). In a cluster the
// batch then goes to the replica (sync replication) before it is visible.
void flush(channel_actor* self) {
  auto& st = self->state;
  if (st.busy || st.pending.empty() || st.follower() || st.cluster.claiming)
    return;
  auto n = std::min(st.pending.size(), st.params.limits.max_batch);
  auto batch = std::make_shared<std::vector<pending_publish>>();
  batch->reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch->push_back(std::move(st.pending.front()));
    st.pending.pop_front();
  }
  auto patches = std::make_shared<std::vector<json_text::value>>();
  if (st.is_state()) {
    // Patches go into the working document one by one; one that would take
    // it past its limit is refused (too_large) and the rest go on.
    *patches = stage_patches(st, *batch, [&st](pending_publish& p,
                                               caf::error err) {
      p.rp.deliver(err);
      answer_repeats(st, p.key, err);
    });
    if (batch->empty()) {
      flush(self);
      return;
    }
  }
  auto next = std::make_shared<channel_meta>(st.meta);
  auto records = std::make_shared<std::vector<record>>();
  auto ts = std::max(wall_clock_ms(), st.meta.last_ts);
  for (auto& p : *batch) {
    ++next->head;
    records->push_back(record{next->head, ts, p.data_json, p.key});
  }
  next->last_ts = ts;
  next->state.clear();
  if (snapshot_due(st, next->head, ts)) {
    // Now and then the whole document goes with the append (same
    // WriteBatch); otherwise only the patches are stored.
    next->state = json_text::dump(st.work);
    next->state_seq = next->head;
  }
  // Runs once the batch is stored (and replicated where required).
  auto finish = [self, next, patches, records, batch](caf::error err) {
    self->state.busy = false;
    if (err) {
      refuse_batch(self->state, *batch, err);
    } else {
      commit(self, std::move(*next), *patches, *records, *batch);
      if (over_retention(self->state))
        trim(self);
    }
    flush(self);
  };
  st.busy = true;
  if (!st.persistent()) {
    cluster_detail::replicate(self, records, finish);
    return;
  }
  self
    ->request(st.params.store_writer, caf::infinite, append_atom::value, *next,
              *records)
    .then(
      [self, records, finish](ok_atom) {
        cluster_detail::replicate(self, records, finish);
      },
      [self, batch](caf::error& err) {
        // Nothing of the batch is stored, so its seqs were never used. A
        // full disk keeps its own code (the client may retry later).
        self->state.busy = false;
        auto failed = error_code(err) == "storage_full"
                        ? err
                        : make_error(errc::internal, error_message(err));
        for (auto& p : *batch) {
          p.rp.deliver(failed);
          answer_repeats(self->state, p.key, failed);
        }
        flush(self);
      });
}


namespace {

// Queues one publish, or answers it at once (a repeated key, a refusal).
// True when it was queued.
bool accept_one(channel_actor* self, std::string data_json, std::string key,
                ack_slot slot) {
  auto& st = self->state;
  if (st.is_state() && !json_text::is_object_text(data_json)) {
    slot.deliver(make_error(errc::bad_request,
                            st.params.name
                              + " is a state channel: data must be a JSON"
                                " object (a merge patch of its document)"));
    return false;
  }
  if (key.size() > max_idempotency_key) {
    slot.deliver(make_error(errc::bad_request,
                            "idempotency key is longer than "
                              + std::to_string(max_idempotency_key)
                              + " characters"));
    return false;
  }
  if (!key.empty()) {
    expire_keys(st, wall_clock_ms());
    if (auto it = st.keys.find(key); it != st.keys.end()) {
      slot.deliver(publish_ack{st.params.name, it->second.seq, st.meta.epoch});
      return false;
    }
    if (auto it = st.key_waiters.find(key); it != st.key_waiters.end()) {
      // The first publish with this key is queued or being stored.
      it->second.push_back(std::move(slot));
      return false;
    }
  }
  if (st.pending.size() >= st.params.limits.max_pending) {
    slot.deliver(make_error(errc::rate_limited,
                            st.params.name + " has "
                              + std::to_string(st.pending.size())
                              + " publishes waiting to be stored; retry"
                                " later"));
    return false;
  }
  if (!key.empty())
    st.key_waiters[key]; // later repeats wait for this one
  st.pending.push_back({std::move(data_json), std::move(slot), std::move(key)});
  return true;
}

// Publishes were queued: start a write, or schedule the memory-only flush.
void queued(channel_actor* self) {
  auto& st = self->state;
  if (st.persistent() || st.cluster.enabled) {
    flush(self); // publishes queue up behind the append in flight
  } else if (!st.flush_queued) {
    // Nothing waits on a store here, so without this every publish would
    // be its own batch: one message per subscriber per update. The flush
    // message queues behind the publishes already in the mailbox, which
    // then go out to each subscriber as one batch.
    st.flush_queued = true;
    self->send(self, flush_atom::value);
  }
}

} // namespace

caf::result<publish_ack> accept_publish(channel_actor* self,
                                        std::string data_json,
                                        std::string key) {
  auto& st = self->state;
  if (st.follower())
    return cluster_detail::forward_publish(self, std::move(data_json),
                                           std::move(key));
  if (st.cluster.enabled)
    if (auto err = cluster_detail::refuse_publish(self))
      return err;
  auto rp = self->make_response_promise();
  if (accept_one(self, std::move(data_json), std::move(key), ack_slot{rp}))
    queued(self);
  return rp;
}

caf::result<std::vector<publish_outcome>>
accept_publishes(channel_actor* self, std::vector<publish_item> items) {
  auto& st = self->state;
  auto reply = std::make_shared<batch_reply>();
  reply->rp = self->make_response_promise<std::vector<publish_outcome>>();
  reply->outcomes.resize(items.size());
  reply->left = items.size();
  if (items.empty()) {
    reply->rp.deliver(std::vector<publish_outcome>{});
    return reply->rp;
  }
  if (st.cluster.enabled) {
    // Forwarding and fencing answer one publish at a time: each goes
    // through the single-publish handler, in order.
    for (size_t i = 0; i < items.size(); ++i)
      self
        ->request(caf::actor_cast<caf::actor>(self), caf::infinite,
                  publish_atom::value, std::move(items[i].data_json),
                  std::move(items[i].key))
        .then([reply, i](const publish_ack& ack) { ack_slot{reply, i}.deliver(ack); },
              [reply, i](caf::error& err) { ack_slot{reply, i}.deliver(err); });
    return reply->rp;
  }
  bool any = false;
  for (size_t i = 0; i < items.size(); ++i)
    any |= accept_one(self, std::move(items[i].data_json),
                      std::move(items[i].key), ack_slot{reply, i});
  // One write for all of them when none is in flight (not one for the
  // first and the rest behind it).
  if (any)
    queued(self);
  return reply->rp;
}

} // namespace tidewire::channel_detail
