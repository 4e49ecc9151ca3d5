#pragma once

// Private to the session actor's files: session.cpp (subscriptions,
// publishes, the behaviour) and session_queue.cpp (the outbound byte
// accounting, the slow-consumer check and the shared catch-up budget).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/frames.hpp"
#include "actors/id_map.hpp"
#include "actors/messages.hpp"
#include "actors/outbound_queue.hpp"
#include "actors/session.hpp"

namespace tidewire::session_detail {

struct subscription {
  caf::actor channel; // invalid while the directory lookup is pending
  uint64_t sub_id = 0;
  uint64_t last_seq = 0; // of the last batch handed to the link
  std::string id_json; // the subscribe's id, named in errors about it
  // A state channel's subscription: past the cap its held patches are
  // dropped and the channel sends one update covering them (conflation).
  bool conflatable = false;
  bool started = false; // a batch of it (its `subscribed`) reached the link
};

// A batch waiting in the session while the link's written count is checked.
struct held_batch {
  uint64_t sub_id = 0; // 0: the session's own frame (a reply)
  frame_batch batch;
  uint64_t last_seq = 0;
  bool credited = false; // carries a document (see session_state::credit_*)
  uint64_t bytes = 0;
};

// Where a client's publishes to one channel go. The directory is asked once
// per channel; publishes that arrive while it answers wait here, so a client's
// publishes keep their order.
struct publish_route {
  caf::actor channel; // invalid while the directory lookup is pending
  std::vector<publish_request> waiting;
};

// Routes kept per session; past this, idle ones are dropped (a client
// publishing to ever new channel names must not grow its session).
constexpr size_t max_publish_routes = 256;

struct session_state {
  static inline const char* name = "tidewire.session";

  session_limits limits;
  session_identity identity;
  std::shared_ptr<client_link> link;
  caf::actor directory;
  std::map<std::string, subscription> subs;
  // The same subscriptions by id: every delivery names its sub_id. Points
  // into `subs` (std::map nodes do not move); see add_sub/drop_sub. A flat
  // vector: one or a few entries per session (actors/id_map.hpp).
  id_map<subscription*> by_id;
  uint64_t next_sub_id = 0;
  outbound_queue queue;
  // Catch-up chunks channels are waiting to send, in arrival order: granted
  // room once the queue has drained below half its cap.
  std::vector<std::pair<caf::actor, uint64_t>> pending_demand;
  // Room granted to channels whose chunk has not arrived yet, by sub_id. All
  // channels of a session share one catch-up budget: without this, each
  // waiting channel would be granted the whole free room at once.
  std::unordered_map<uint64_t, uint64_t> reserved;
  uint64_t reserved_bytes = 0;
  uint64_t watch_at = 0; // written total asked of the link; 0: none waiting
  // Past the cap by the session's count, which lags what was written when
  // nobody asked: the link is asked at once, and batches wait here until it
  // answers; only then is the client closed (1013) or the batches handed on.
  bool verifying = false;
  std::vector<held_batch> held;
  uint64_t held_bytes = 0;
  // A whole document (a state channel's snapshot, or the update a slow
  // subscriber's patches were conflated into) may be larger than the cap: it
  // is credited, i.e. its bytes do not count against the cap until they
  // are written. One at a time, so a client's memory stays bounded by the
  // cap plus one document: the bytes from credit_end - credit_size to
  // credit_end of the sent total.
  uint64_t credit_end = 0;
  uint64_t credit_size = 0;
  size_t publishes_in_flight = 0; // accepted, not yet answered
  std::map<std::string, publish_route> routes;
  bool closed = false;
};

using session_actor = caf::stateful_actor<session_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<session_state, session_actor*>);

// Hands `batch` to the link, or holds it while the written count is
// checked; a client still past the cap is closed with 1013, unless dropping
// held state-channel patches (conflation) brings it back under the cap.
// `sub_id` 0: the session's own frame. `credited`: the batch carries a
// whole document, exempt from the cap while it is written (one at a time).
void enqueue(session_actor* self, frame_batch batch, uint64_t sub_id = 0,
             uint64_t last_seq = 0, bool credited = false);
void enqueue(session_actor* self, frame f);

// The link reported its written total; settles a pending check.
void settle(session_actor* self);

// Room (bytes) for the first catch-up chunk of `sub_id`, reserved until
// its first batch arrives; 0 when there is none now.
uint64_t reserve_first_chunk(session_state& st, uint64_t sub_id);

// Hands waiting channels room for their next catch-up chunk.
void grant_demand(session_actor* self);

// Asks the link for a written report when the session needs one.
void watch(session_actor* self);

// A granted chunk arrived (or will never): its reservation ends.
void release_reservation(session_state& st, uint64_t sub_id);

// A subscription id that will never deliver again.
void forget_sub_id(session_state& st, uint64_t sub_id);

// Ends the session: unsubscribes everywhere, closes the link with `code`
// (0: the link is already gone) and quits.
void close_session(session_actor* self, uint16_t code, std::string reason);

} // namespace tidewire::session_detail
