// A state channel's document: patches applied in place to a working copy as
// a batch is staged, joined to the committed copy once the batch is durable,
// and stored whole only now and then (see channel_limits::
// state_snapshot_every), so an append costs its patches, not the document.

#include <algorithm>
#include <limits>

#include "actors/channel_state.hpp"
#include "actors/errors.hpp"
#include "actors/merge_patch.hpp"

namespace tidewire::channel_detail {

namespace {

json_text::value empty_document() {
  return *json_text::parse("{}");
}

// The working document must start from the committed one: after a failed or
// refused batch, or when something else (a cluster follower) moved `doc`.
void ensure_work(channel_state& st) {
  if (st.work_head == st.meta.head && st.work_epoch == st.meta.epoch)
    return;
  st.work = st.doc;
  st.work_bytes = json_text::dumped_size(st.work);
  st.work_head = st.meta.head;
  st.work_epoch = st.meta.epoch;
}

} // namespace

std::vector<json_text::value>
stage_patches(channel_state& st, std::vector<pending_publish>& batch,
              const std::function<void(pending_publish&, caf::error)>& refuse) {
  ensure_work(st);
  // Marked stale until the batch commits (commit_document makes it valid
  // again): a failed write leaves patches in `work` that never happened.
  st.work_head = UINT64_MAX;
  std::vector<json_text::value> kept;
  kept.reserve(batch.size());
  std::vector<pending_publish> accepted;
  accepted.reserve(batch.size());
  auto limit = st.params.limits.max_state_bytes;
  for (auto& p : batch) {
    auto patch = json_text::parse(p.data_json);
    if (!patch) // validated by the caller; a non-JSON publish is refused there
      patch = empty_document();
    auto before = st.work_bytes;
    auto candidate_delta = int64_t{0};
    // Rare: a patch past the limit. Test it on a copy of what it touches
    // only when it could grow the document past the limit at all.
    auto grown_bound = before + json_text::dumped_size(*patch);
    if (grown_bound > limit) {
      auto trial = st.work;
      candidate_delta = json_text::merge_patch_sized(trial, *patch);
      auto grown = static_cast<size_t>(static_cast<int64_t>(before)
                                       + candidate_delta);
      // A patch that does not grow an oversized document (a lowered limit)
      // is still accepted, so such a document can be shrunk.
      if (grown > limit && grown > before) {
        refuse(p, make_error(errc::too_large,
                             "the document of " + st.params.name + " would be "
                               + std::to_string(grown)
                               + " bytes, the limit is "
                               + std::to_string(limit)));
        continue;
      }
      st.work = std::move(trial);
      st.work_bytes = grown;
    } else {
      st.work_bytes = static_cast<size_t>(
        static_cast<int64_t>(before)
        + json_text::merge_patch_sized(st.work, *patch));
    }
    kept.push_back(std::move(*patch));
    accepted.push_back(std::move(p));
  }
  batch = std::move(accepted);
  if (kept.empty()) // nothing applied: `work` is still the committed one
    st.work_head = st.meta.head;
  return kept;
}

bool snapshot_due(const channel_state& st, uint64_t next_head,
                  int64_t now_ms) {
  if (!st.is_state() || !st.persistent() || next_head <= st.meta.state_seq)
    return false;
  auto& limits = st.params.limits;
  return next_head - st.meta.state_seq >= limits.state_snapshot_every
         || now_ms - st.snapshot_ms >= limits.state_snapshot_interval.count();
}

void commit_document(channel_state& st,
                     const std::vector<json_text::value>& patches) {
  for (auto& patch : patches)
    json_text::merge_patch(st.doc, patch);
  // `work` holds the same patches: it is the committed document again.
  st.work_head = st.meta.head;
  st.work_epoch = st.meta.epoch;
}

void store_snapshot(channel_actor* self, bool wait) {
  auto& st = self->state;
  if (!st.is_state() || !st.persistent() || st.follower() || st.busy
      || st.meta.state_seq >= st.meta.head)
    return;
  auto next = st.meta;
  next.state = json_text::dump(st.doc);
  next.state_seq = next.head;
  if (!wait) {
    self->send(st.params.store_writer, append_atom::value, next,
               std::vector<record>{});
    return;
  }
  st.busy = true;
  self
    ->request(st.params.store_writer, caf::infinite, append_atom::value, next,
              std::vector<record>{})
    .then(
      [self, seq = next.head](ok_atom) {
        auto& st = self->state;
        st.busy = false;
        st.meta.state_seq = std::max(st.meta.state_seq, seq);
        st.snapshot_ms = wall_clock_ms();
        flush(self);
      },
      [self](caf::error&) {
        // Tried again at the next tick or append; the records keep the
        // document recoverable meanwhile.
        self->state.busy = false;
        flush(self);
      });
}

void restore_document(channel_actor* self, std::function<void()> then) {
  auto& st = self->state;
  auto doc = json_text::parse(st.meta.state.empty() ? "{}" : st.meta.state);
  st.doc = doc && doc->is_object() ? std::move(*doc) : empty_document();
  st.meta.state.clear(); // the document lives in `doc` from here on
  st.snapshot_ms = wall_clock_ms();
  if (!st.is_state() || st.meta.state_seq >= st.meta.head) {
    then();
    return;
  }
  // Records after the snapshot are never trimmed (replay_store::trim), so
  // the document at head is the snapshot plus these, in order.
  self
    ->request(st.params.store_reader, caf::infinite, read_atom::value,
              st.meta.id, st.meta.state_seq + 1, st.meta.head,
              std::numeric_limits<uint64_t>::max(), no_byte_limit)
    .await(
      [self, then](const std::vector<record>& records) {
        auto& st = self->state;
        for (auto& rec : records)
          if (auto patch = json_text::parse(rec.data))
            json_text::merge_patch(st.doc, *patch);
        then();
      },
      [self](caf::error& err) { self->quit(err); });
}

} // namespace tidewire::channel_detail
