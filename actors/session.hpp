#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/client_link.hpp"
#include "actors/config.hpp"
#include "actors/auth/claims.hpp"

namespace tidewire {

struct session_identity {
  std::string node;    // the node's name, sent in `welcome`
  std::string session; // unique per connection, sent in `welcome`
  // What the connection may subscribe and publish to (anonymous: all).
  // Replaced by (auth_atom, claims), see actors/rights.hpp.
  auth::claims claims;
};

// Spawns the actor of one client connection. It sends `welcome` through
// `link` first, then serves:
//   subscribe_request, unsubscribe_request, publish_request  (from net/)
//   (reply_atom, frame)    a frame net/ encoded itself (pong, errors)
//   (deliver_atom, uint64_t sub_id, frame_batch, uint64_t last_seq)
//                          frames from a channel actor, handed to the link
//                          at once (the link queues while it writes)
//   (written_atom, uint64_t total)
//                          the link has written `total` bytes of frames; it
//                          says so only when asked (client_link::notify_written)
//   (auth_atom, claims)    a verified token: new rights, `welcome` again
//   (catchup_atom, uint64_t sub_id)
//                          a channel has the next catch-up chunk ready; the
//                          session answers (catchup_atom, sub_id, budget)
//                          once queued + in-flight + granted bytes are below
//                          half the cap; waiting channels share that room
//                          (a resume's subscribe states and reserves the
//                          room of its first chunk, sent without demand)
//   (closed_atom)          the connection is gone; the actor quits
// When its outbound bytes (queued + in flight) pass limits.queue_bytes the
// client is a slow consumer: the link is closed with 1013 and the actor quits.
// Its count of written bytes lags when it did not ask, so before it closes it
// asks the link for the count (holding further batches until it answers).
caf::actor spawn_session(caf::actor_system& sys, const session_limits& limits,
                         session_identity identity,
                         std::shared_ptr<client_link> link,
                         caf::actor directory);

} // namespace tidewire
