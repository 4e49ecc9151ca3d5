// Conflation for slow subscribers of a state channel. A session past its
// byte cap drops the patches it still holds for such a subscriber (instead
// of closing the connection, as it does for a stream) and tells the channel
// the last seq its client was handed. When the session has room again, the
// channel sends one update covering everything since: the patches composed
// into one (RFC 7396 patches compose), or the document itself when no single
// patch can say it or the document is smaller. Nothing is buffered per slow
// subscriber: the patches come from the ring when the room is granted.

#include "actors/channel_state.hpp"
#include "actors/merge_patch.hpp"

namespace tidewire::channel_detail {

void start_conflation(channel_actor* self, caf::actor_addr addr,
                      uint64_t old_sub_id, uint64_t new_sub_id,
                      uint64_t since) {
  auto& st = self->state;
  auto it = st.subs.find(addr);
  if (it == st.subs.end() || it->second.sub_id != old_sub_id
      || !st.is_state())
    return;
  auto& sub = it->second;
  sub.sub_id = new_sub_id;
  sub.live = false;
  sub.conflating = true;
  sub.next = since + 1;
  // Like a catch-up chunk: sent when the session grants room.
  self->send(sub.session, catchup_atom::value, new_sub_id);
}

void send_conflated(channel_actor* self, subscriber& sub) {
  auto& st = self->state;
  sub.conflating = false;
  sub.live = true;
  auto head = st.meta.head;
  if (sub.next > head)
    return; // nothing was dropped after all
  std::optional<json_text::value> composed;
  uint64_t last_ts = st.meta.last_ts;
  if (st.ring->covers(sub.next)) {
    auto records = st.ring->records_from(sub.next, head - sub.next + 1);
    for (auto& rec : records) {
      auto patch = json_text::parse(rec.data);
      if (!patch) {
        composed.reset();
        break;
      }
      if (!composed) {
        composed = std::move(*patch);
        continue;
      }
      composed = json_text::compose(*composed, *patch);
      if (!composed)
        break;
    }
    if (composed && records.size() != head - sub.next + 1)
      composed.reset();
  }
  if (composed
      && json_text::dumped_size(*composed) < json_text::dumped_size(st.doc)) {
    deliver_document(self, sub,
                     {frames::conflated_update(st.params.name, head, last_ts,
                                               json_text::dump(*composed))},
                     head);
    return;
  }
  // The ring no longer has every patch, no single patch has their effect,
  // or the document is smaller: the document at head replaces the client's.
  deliver_document(self, sub, {st.snapshot()}, head);
}

} // namespace tidewire::channel_detail
