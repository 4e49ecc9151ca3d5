#include <algorithm>

#include "actors/session_state.hpp"

namespace tidewire::session_detail {

namespace {

// Chunks granted at once share the room; a share is at least this much (a
// channel always sends at least one update, so tiny shares only add rounds).
constexpr uint64_t min_catchup_share = 16 * 1024;

} // namespace

void release_reservation(session_state& st, uint64_t sub_id) {
  if (st.reserved.empty()) // the common case: no catch-up granted
    return;
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

namespace {

// Room one grant would give now: what is free below the half of the cap
// that catch-up may use, at most a quarter of that half (so a few channels
// resuming together take turns instead of the first one taking
// everything); 0 when that is a sliver not worth a round (wait for writes
// or chunks).
uint64_t grantable(const session_state& st) {
  auto half = st.limits.queue_bytes / 2;
  auto used = committed_bytes(st);
  if (used >= half || half - used < grant_threshold(st))
    return 0;
  return std::min(half - used, std::max(half / 4, min_catchup_share));
}

void reserve(session_state& st, uint64_t sub_id, uint64_t bytes) {
  st.reserved[sub_id] += bytes;
  st.reserved_bytes += bytes;
}

} // namespace

// Room for the first catch-up chunk of a resume, which its channel sends
// with the `subscribed`, before any demand: what a grant would give now, at
// most max_first_chunk, reserved like a grant until that batch arrives; 0
// when a grant would wait (the channel then waits for demand). So a small
// --queue-bytes is never overrun by a resume.
uint64_t reserve_first_chunk(session_state& st, uint64_t sub_id) {
  auto room = std::min(grantable(st), max_first_chunk);
  if (room != 0)
    reserve(st, sub_id, room);
  return room;
}

// Hands waiting channels, in the order they asked, what a grant gives.
void grant_demand(session_actor* self) {
  auto& st = self->state;
  if (st.closed)
    return;
  size_t granted = 0;
  while (granted < st.pending_demand.size()) {
    auto share = grantable(st);
    if (share == 0)
      break;
    auto& [channel, sub_id] = st.pending_demand[granted++];
    reserve(st, sub_id, share);
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

namespace {

// Credited bytes (a document) not written yet.
uint64_t outstanding_credit(const session_state& st) {
  auto written = st.queue.written_total();
  if (st.credit_end <= written)
    return 0;
  return std::min(st.credit_size, st.credit_end - written);
}

// Whether `bytes` more (credited or not) keep the client under its cap.
bool fits(const session_state& st, uint64_t bytes, bool credited) {
  auto credit = outstanding_credit(st);
  auto exempt = credited && credit == 0 ? bytes : 0;
  return st.queue.pending_bytes() + st.held_bytes + bytes - credit - exempt
         <= st.limits.queue_bytes;
}

void hand_over(session_actor* self, held_batch h) {
  auto& st = self->state;
  st.queue.sent(h.bytes);
  if (h.credited && outstanding_credit(st) == 0) {
    st.credit_end = st.queue.sent_total();
    st.credit_size = h.bytes;
  }
  if (h.sub_id != 0)
    if (auto it = st.by_id.find(h.sub_id); it != st.by_id.end()) {
      it->second->started = true;
      if (h.last_seq != 0)
        it->second->last_seq = h.last_seq;
    }
  st.link->deliver(std::move(h.batch));
}

// The whole held list fits (the first credited batch exempt if no credit
// is outstanding).
bool held_fits(const session_state& st) {
  uint64_t exempt = 0;
  if (outstanding_credit(st) == 0)
    for (auto& h : st.held)
      if (h.credited) {
        exempt = h.bytes;
        break;
      }
  return st.queue.pending_bytes() + st.held_bytes - outstanding_credit(st)
           - exempt
         <= st.limits.queue_bytes;
}

// Past the cap: the held patches of state-channel subscriptions are dropped
// and each such channel is asked for one update covering everything after
// the last seq its client was handed (under a new sub_id, so whatever the
// channel already sent under the old one is discarded on arrival).
void conflate_held(session_actor* self) {
  auto& st = self->state;
  std::vector<uint64_t> targets;
  for (auto& h : st.held) {
    if (h.sub_id == 0)
      continue;
    auto it = st.by_id.find(h.sub_id);
    if (it == st.by_id.end() || !it->second->conflatable
        || !it->second->started || !it->second->channel)
      continue;
    if (std::find(targets.begin(), targets.end(), h.sub_id) == targets.end())
      targets.push_back(h.sub_id);
  }
  if (targets.empty())
    return;
  std::vector<held_batch> kept;
  for (auto& h : st.held) {
    if (std::find(targets.begin(), targets.end(), h.sub_id) != targets.end())
      st.held_bytes -= h.bytes;
    else
      kept.push_back(std::move(h));
  }
  st.held = std::move(kept);
  for (auto old_id : targets) {
    auto& sub = *st.by_id[old_id];
    auto new_id = ++st.next_sub_id;
    st.by_id.erase(old_id);
    forget_sub_id(st, old_id);
    sub.sub_id = new_id;
    st.by_id[new_id] = &sub;
    self->send(sub.channel, conflate_atom::value, old_id, new_id,
               sub.last_seq);
  }
}

} // namespace

void enqueue(session_actor* self, frame_batch batch, uint64_t sub_id,
             uint64_t last_seq, bool credited) {
  auto& st = self->state;
  if (st.closed || batch->empty())
    return;
  held_batch h{sub_id, std::move(batch), last_seq, credited, 0};
  h.bytes = batch_bytes(*h.batch, st.link->format());
  if (st.verifying) {
    st.held_bytes += h.bytes;
    st.held.push_back(std::move(h));
    return;
  }
  if (!fits(st, h.bytes, credited)) {
    st.verifying = true;
    st.held_bytes += h.bytes;
    st.held.push_back(std::move(h));
    st.link->notify_written(0);
    return;
  }
  hand_over(self, std::move(h));
  watch(self);
}

// The link said how much it has written; if the session was checking a
// count past the cap, this settles it.
void settle(session_actor* self) {
  auto& st = self->state;
  if (!st.verifying)
    return;
  st.verifying = false;
  if (!held_fits(st))
    conflate_held(self);
  if (!held_fits(st)) {
    // The client resumes from its last seq after reconnecting: closing it
    // loses nothing, while buffering without bound would risk the node.
    st.held.clear();
    st.held_bytes = 0;
    close_session(self, 1013, "slow consumer");
    return;
  }
  st.held_bytes = 0;
  for (auto& h : std::exchange(st.held, {}))
    hand_over(self, std::move(h));
}

void enqueue(session_actor* self, frame f) {
  enqueue(self, make_batch({std::move(f)}));
}

} // namespace tidewire::session_detail
