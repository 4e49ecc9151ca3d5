#include <algorithm>

#include "actors/channel_state.hpp"
#include "actors/errors.hpp"

namespace tidewire::channel_detail {

namespace {

// The leading frames of `frames` that fit into `budget` bytes (at least one).
size_t fitting(const std::vector<frame>& frames, uint64_t budget) {
  uint64_t bytes = 0;
  size_t n = 0;
  while (n < frames.size()) {
    bytes += frames[n]->json().size();
    if (n > 0 && bytes > budget)
      break;
    ++n;
  }
  return n;
}

void next_chunk(channel_actor* self, caf::actor_addr addr, uint64_t sub_id,
                std::vector<frame> lead);

} // namespace

// The catch-up of `addr` needs seq sub.next but the oldest one left is
// `first`: retention trimmed the rest. The client gets a second `subscribed`
// (recovered: false, reason "trimmed") naming the missing seqs, then, like a
// resume that could not be served, a stream continues from `first` and a
// state channel gets a snapshot at the head.
void restart_after_trim(channel_actor* self, caf::actor_addr addr,
                        uint64_t sub_id, uint64_t first) {
  auto& st = self->state;
  auto& sub = st.subs[addr];
  auto head = st.meta.head;
  if (st.is_state()) {
    std::vector<frame> out{
      frames::subscribed_gap(st.params.name, st.params.decl.kind, st.meta.epoch,
                             head, sub.next, head, sub.id_json),
      st.snapshot()};
    sub.live = true;
    deliver_document(self, sub, std::move(out), head);
    return;
  }
  deliver(self, sub,
          {frames::subscribed_gap(st.params.name, st.params.decl.kind,
                                  st.meta.epoch, head, sub.next, first - 1,
                                  sub.id_json)},
          0);
  sub.next = first;
  continue_catchup(self, addr, sub_id);
}

void subscribe(channel_actor* self, const caf::actor& session, uint64_t sub_id,
               const subscribe_request& req) {
  auto& st = self->state;
  auto addr = session.address();
  if (st.subs.count(addr) == 0)
    self->monitor(session);
  auto head = st.meta.head;
  bool recovered = false;
  if (req.since) {
    bool same_epoch = !req.epoch || *req.epoch == st.meta.epoch;
    recovered = same_epoch && *req.since <= head
                && *req.since + 1 >= st.first_available();
  }
  // The first chunk holds what the session said it has room for (it
  // reserved that much), so a short resume is one batch with no round of
  // demand, and a small --queue-bytes is never overrun.
  subscriber sub{session, sub_id, true, 0, req.first_chunk, req.id_json,
                 false};
  // The session may conflate a state channel's patches for a slow client
  // instead of closing it; it learns that here, before the first delivery.
  if (st.is_state())
    self->send(session, conflate_atom::value, sub_id);
  std::vector<frame> out{frames::subscribed(st.params.name,
                                            st.params.decl.kind, st.meta.epoch,
                                            head, recovered, req.id_json)};
  bool document = false;
  if (recovered) {
    sub.next = *req.since + 1;
  } else if (st.is_state()) {
    out.push_back(st.snapshot());
    document = true;
  } else if (req.since) {
    // Not recoverable: the latest retained updates give a stream some context.
    auto limit = st.params.limits.catchup_limit;
    auto from = head >= limit ? head - limit + 1 : 1;
    sub.next = std::max(from, st.first_available());
  }
  if (sub.next != 0 && sub.next <= head)
    sub.live = false;
  st.subs[addr] = sub;
  report_summary(self);
  if (document)
    deliver_document(self, sub, std::move(out), head);
  else if (sub.live)
    deliver(self, sub, std::move(out), head);
  else
    next_chunk(self, addr, sub_id, std::move(out));
}

// Sends a catching-up subscriber its next chunk, from the ring or the store,
// then waits for the session's demand (catchup_atom) before the next one, so
// a catch-up never floods a session's outbound queue (which would close it
// as a slow consumer). The last chunk and the switch to live happen in one
// step: no update can fall between them.
void continue_catchup(channel_actor* self, caf::actor_addr addr,
                      uint64_t sub_id) {
  next_chunk(self, addr, sub_id, {});
}

namespace {

// The next chunk of `addr`'s catch-up. `lead` (the `subscribed` of a resume)
// goes first, in the same batch as a chunk from the ring: one message to
// the session and one write to the client for a short resume, instead of
// one for the `subscribed` and another for the updates.
void next_chunk(channel_actor* self, caf::actor_addr addr, uint64_t sub_id,
                std::vector<frame> lead) {
  auto& st = self->state;
  auto it = st.subs.find(addr);
  if (it == st.subs.end() || it->second.sub_id != sub_id || it->second.live)
    return;
  auto& sub = it->second;
  auto send_lead = [&] {
    if (!lead.empty())
      deliver(self, sub, std::move(lead), 0);
  };
  if (sub.conflating) {
    send_lead();
    send_conflated(self, sub);
    return;
  }
  auto chunk = st.params.limits.read_chunk;
  if (sub.next > st.meta.head) {
    sub.live = true;
    send_lead();
    return;
  }
  if (sub.budget == 0) {
    // The session had no room when it subscribed: even one update could
    // pass its cap, so the catch-up starts with its first grant.
    send_lead();
    self->send(sub.session, catchup_atom::value, sub_id);
    return;
  }
  if (st.ring->covers(sub.next)) {
    auto out = st.ring->frames_from(sub.next, chunk);
    out.resize(fitting(out, sub.budget));
    sub.next += out.size();
    auto last = sub.next - 1;
    if (!lead.empty()) {
      lead.insert(lead.end(), std::make_move_iterator(out.begin()),
                  std::make_move_iterator(out.end()));
      out = std::move(lead);
    }
    if (sub.next > st.meta.head) {
      sub.live = true;
      deliver(self, sub, std::move(out), last);
    } else {
      deliver(self, sub, std::move(out), last);
      self->send(sub.session, catchup_atom::value, sub_id);
    }
    return;
  }
  send_lead();
  auto to = st.ring->empty() ? st.meta.head : st.ring->first_seq() - 1;
  to = std::min(to, sub.next + chunk - 1);
  // Only what fits the session's room is read: a slow client with large
  // updates would otherwise have whole chunks decoded and encoded to keep a
  // few of them, once per round trip.
  self
    ->request(history_reader(self), caf::infinite, read_atom::value,
              st.meta.id, sub.next, to, static_cast<uint64_t>(chunk),
              sub.budget)
    .then(
      [self, addr, sub_id](const std::vector<record>& records) {
        auto& st = self->state;
        auto it = st.subs.find(addr);
        if (it == st.subs.end() || it->second.sub_id != sub_id)
          return;
        auto& sub = it->second;
        // Retention trimmed [sub.next, first) while this catch-up was
        // under way (the `subscribed` said recovered: true): say so, exactly.
        auto first = records.empty()
                       ? (st.ring->empty() ? st.meta.head + 1
                                           : st.ring->first_seq())
                       : records.front().seq;
        if (first != sub.next) {
          restart_after_trim(self, addr, sub_id, first);
          return;
        }
        std::vector<frame> out;
        out.reserve(records.size());
        for (auto& rec : records)
          out.push_back(st.encoded_from_store(rec));
        // What does not fit the session's room is read again next time.
        out.resize(fitting(out, sub.budget));
        sub.next = records.front().seq + out.size();
        deliver(self, sub, std::move(out), sub.next - 1);
        self->send(sub.session, catchup_atom::value, sub_id);
      },
      [self, addr, sub_id](caf::error& err) {
        auto& st = self->state;
        auto it = st.subs.find(addr);
        if (it == st.subs.end() || it->second.sub_id != sub_id)
          return;
        // The session learns which subscription failed and drops it too.
        auto& sub = it->second;
        deliver(self, sub,
                {frames::channel_error(st.params.name, error_code(err),
                                       error_message(err), sub.id_json)},
                0);
        self->send(sub.session, unsubscribe_atom::value, sub_id);
        self->demonitor(sub.session);
        st.subs.erase(it);
        report_summary(self);
      });
}

} // namespace

} // namespace tidewire::channel_detail
