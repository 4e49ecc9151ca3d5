#pragma once

// Private to the channel actor's files: channel.cpp (restore, history, the
// behaviour), channel_publish.cpp (idempotency keys, group commit, commit,
// retention) and channel_catchup.cpp (subscribe and the chunked catch-up).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/typed_response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/channel.hpp"
#include "actors/cluster/channel_role.hpp"
#include "actors/frames.hpp"
#include "actors/json_text.hpp"
#include "actors/messages.hpp"
#include "actors/update_ring.hpp"

namespace tidewire::channel_detail {

using json = nlohmann::json;
using storage::channel_meta;
using storage::record;

// Where the answer to one publish goes: its own request's promise (a
// single publish), or its place in the one response to a session's
// publishes (publish_item), sent once every one of them is answered.
struct batch_reply {
  caf::typed_response_promise<std::vector<publish_outcome>> rp;
  std::vector<publish_outcome> outcomes;
  size_t left = 0;
};

class ack_slot {
public:
  ack_slot() = default;
  explicit ack_slot(caf::response_promise rp) : single_(std::move(rp)) {}
  ack_slot(std::shared_ptr<batch_reply> batch, size_t index)
    : batch_(std::move(batch)), index_(index) {}

  void deliver(const caf::expected<publish_ack>& result) {
    if (!batch_) {
      if (result)
        single_.deliver(*result);
      else
        single_.deliver(result.error());
      return;
    }
    auto& out = batch_->outcomes[index_];
    if (result) {
      out.seq = result->seq;
      out.epoch = result->epoch;
    } else {
      out.error = result.error();
    }
    if (--batch_->left == 0)
      batch_->rp.deliver(std::move(batch_->outcomes));
  }
  void deliver(const caf::error& err) {
    deliver(caf::expected<publish_ack>{err});
  }
  void deliver(const publish_ack& ack) {
    deliver(caf::expected<publish_ack>{ack});
  }

private:
  caf::response_promise single_;
  std::shared_ptr<batch_reply> batch_;
  size_t index_ = 0;
};

struct pending_publish {
  std::string data_json;
  ack_slot rp;
  std::string key; // idempotency key, "" for none
};

// The idempotency keys of committed publishes, oldest first, so that both
// the window and the count bound expire from the front.
struct used_key {
  std::string key;
  uint64_t seq = 0;
  int64_t ts = 0;
};

struct subscriber {
  caf::actor session;
  uint64_t sub_id = 0;
  bool live = false;
  uint64_t next = 0; // while catching up: the next seq this subscriber needs
  uint64_t budget = 0; // bytes the session can take in the next chunk
  std::string id_json; // the subscribe's id, echoed in later frames about it
  // A slow subscriber of a state channel: when the session has room again
  // it gets one update covering next..head instead of each patch.
  bool conflating = false;
};


struct channel_state {
  static inline const char* name = "tidewire.channel";

  channel_params params;
  channel_meta meta; // reflects only committed (durable) updates
  json_text::value doc; // state channels: the document at meta.head
  // The document with the batch being written applied (the next flush
  // applies its patches here, so an append never copies the document). Valid
  // while work_head/work_epoch match meta; anything else that changes `doc`
  // (a cluster follower) leaves it stale, and the next flush copies doc.
  json_text::value work;
  size_t work_bytes = 0; // dumped size of `work`
  uint64_t work_head = 0;
  std::string work_epoch;
  int64_t snapshot_ms = 0; // when the document was last stored
  std::optional<update_ring> ring;
  std::map<caf::actor_addr, subscriber> subs;
  std::deque<pending_publish> pending;
  bool busy = false; // an append or a trim is in flight
  bool flush_queued = false; // memory only: a flush_atom is in the mailbox
  std::map<std::string, used_key> keys; // committed keyed publishes
  std::deque<used_key> key_order;        // by commit, oldest first
  // Keys of publishes queued or being written: repeats wait for their ack.
  std::map<std::string, std::vector<ack_slot>> key_waiters;
  frame snapshot_frame;
  uint64_t snapshot_seq = 0;
  // Updates read from the store for catch-ups, encoded once: subscribers
  // resuming from the same place share the frames. Seqs never change
  // meaning within a channel actor's life, so entries stay valid (a cluster
  // follower whose history is replaced clears them); the oldest go first
  // past the bound.
  std::map<uint64_t, frame> store_frames;
  // The summary last sent to the directory.
  channel_info reported;

  cluster_detail::channel_cluster cluster;

  // A relay (a follower that is not the replica) writes nothing locally.
  bool persistent() const {
    return static_cast<bool>(params.store_writer)
           && (!cluster.enabled || cluster.role.owner || cluster.role.replica);
  }

  bool follower() const {
    return cluster.enabled && !cluster.role.owner;
  }

  bool is_state() const {
    return params.decl.kind == "state";
  }

  // The oldest seq a resume can still be served from.
  uint64_t first_available() const {
    if (persistent() || follower())
      return meta.first;
    return ring->empty() ? meta.head + 1 : ring->first_seq();
  }

  frame encoded_from_store(const record& rec) {
    if (auto it = store_frames.find(rec.seq); it != store_frames.end())
      return it->second;
    auto f = frames::update(params.name, rec);
    store_frames.emplace(rec.seq, f);
    while (store_frames.size() > 2 * params.limits.read_chunk)
      store_frames.erase(store_frames.begin());
    return f;
  }

  frame snapshot() {
    if (!snapshot_frame || snapshot_seq != meta.head) {
      snapshot_frame = frames::snapshot(params.name, meta.head, meta.epoch,
                                        json_text::dump(doc));
      snapshot_seq = meta.head;
    }
    return snapshot_frame;
  }
};

using channel_actor = caf::stateful_actor<channel_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<channel_state, channel_actor*>);

// The max_bytes of a store read that wants everything up to its count.
inline constexpr uint64_t no_byte_limit = UINT64_MAX;

// Where catch-up reads go: the store reader, or for a follower the actor
// itself (it reads locally what it stored and asks the owner for the rest).
caf::actor history_reader(channel_actor* self);

// Makes committed records visible: encodes each once, pushes it into the
// ring and sends it to every live subscriber. meta and doc already reflect
// them.
void make_visible(channel_actor* self, const std::vector<record>& records);

// The channel's summary (the info_atom answer).
channel_info summary_of(channel_actor* self);

// Sends the directory the summary if it changed since it was last sent.
// Called where head, first, epoch or the subscribers change: one message
// per commit batch, subscribe or unsubscribe, none for an idle channel.
void report_summary(channel_actor* self);

// Starts the next group commit if nothing is in flight (owner only).
void flush(channel_actor* self);

int64_t wall_clock_ms();

// The idempotency keys of committed publishes: remember one, forget those
// past the window or the count bound.
void remember_key(channel_state& st, const record& rec);
void expire_keys(channel_state& st, int64_t now_ms);

// Queues a publish (or answers a repeated key at once).
caf::result<publish_ack> accept_publish(channel_actor* self,
                                        std::string data_json, std::string key);

// Queues a session's publishes in order and answers them all in one
// response, once each is stored (or refused).
caf::result<std::vector<publish_outcome>>
accept_publishes(channel_actor* self, std::vector<publish_item> items);

// Asks the store writer to apply retention, unless a write is in flight.
void trim(channel_actor* self);

// True when the channel holds enough more than its retention count that a
// trim after a commit is worth it (the owner's and the replica's rule).
bool over_retention(const channel_state& st);

// The state document (channel_document.cpp). A state channel keeps its
// document in memory and stores it only as a periodic snapshot; appends store
// the patches alone.

// Applies the patches of `batch` to the working document in order. A patch
// that would take it past max_state_bytes is taken out of `batch` and
// handed to `refuse` with too_large. Returns the kept patches, parsed.
std::vector<json_text::value>
stage_patches(channel_state& st, std::vector<pending_publish>& batch,
              const std::function<void(pending_publish&, caf::error)>& refuse);

// True when the append that ends at `next_head` should store the document.
bool snapshot_due(const channel_state& st, uint64_t next_head, int64_t now_ms);

// A batch is durable: its patches join the committed document.
void commit_document(channel_state& st,
                     const std::vector<json_text::value>& patches);

// Stores the committed document now (no records) if it is newer than the
// stored snapshot: an idle channel's tick, or a stop (`wait` false: the
// write is sent, not awaited). Never while a write is in flight, whose
// metadata the snapshot's would race.
void store_snapshot(channel_actor* self, bool wait);

// At start: the stored snapshot, then the records after it re-applied.
// Runs `then` when the document is at meta.head.
void restore_document(channel_actor* self, std::function<void()> then);

// Sends `frames` to one subscriber, tagged with its subscription id. A batch
// for several subscribers is built once and shared.
void deliver(channel_actor* self, const subscriber& sub,
             const frame_batch& frames, uint64_t last_seq);
void deliver(channel_actor* self, const subscriber& sub,
             std::vector<frame> frames, uint64_t last_seq);
// A batch carrying a whole document (a snapshot or a conflated update): the
// session lets it past its cap (see actors/session.hpp).
void deliver_document(channel_actor* self, const subscriber& sub,
                      std::vector<frame> frames, uint64_t last_seq);

// A session dropped the patches it held for `old_sub_id` after `since`; the
// subscriber continues as `new_sub_id` and, once the session grants room,
// gets one update covering since+1..head (channel_conflate.cpp).
void start_conflation(channel_actor* self, caf::actor_addr addr,
                      uint64_t old_sub_id, uint64_t new_sub_id,
                      uint64_t since);

// The granted update of a conflating subscriber: the composed patches, or
// the document when no single patch can say it or it would be larger.
void send_conflated(channel_actor* self, subscriber& sub);

// Handles a subscribe: `subscribed`, then snapshot or catch-up, then live.
void subscribe(channel_actor* self, const caf::actor& session, uint64_t sub_id,
               const subscribe_request& req);

// Sends the next catch-up chunk of a catching-up subscriber, or makes it live.
void continue_catchup(channel_actor* self, caf::actor_addr addr,
                      uint64_t sub_id);

} // namespace tidewire::channel_detail
