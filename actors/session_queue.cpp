#include <algorithm>

#include "actors/session_state.hpp"

namespace tidewire::session_detail {

namespace {

// Chunks granted at once share the room; a share is at least this much (a
// channel always sends at least one update, so tiny shares only add rounds).
constexpr uint64_t min_catchup_share = 16 * 1024;

} // namespace

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
  st.queue.sent(batch_bytes(*batch, st.link->format()));
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

} // namespace tidewire::session_detail
