#pragma once

#include <cstdint>
#include <string>

#include "actors/atoms.hpp"

namespace tidewire {

// The session actor's view of its network connection. Implemented by net/
// (the WebSocket session) and by fakes in tests.
//
// Every member may be called from any thread: implementations post to their
// own strand. The session hands over batches as they come, without waiting
// for earlier writes: the connection queues them and writes everything queued
// while a write was in flight as its next write. It reports written bytes
// only when asked (notify_written), so a busy connection costs its session
// no message per write.
class client_link {
public:
  virtual ~client_link() = default;

  // Queues `frames` for writing, after everything delivered before.
  virtual void deliver(frame_batch frames) = 0;

  // Asks for one (written_atom, uint64_t total) to the session actor once the
  // frames written since the connection opened add up to at least `total`
  // bytes (at once if they already do). A later call replaces an earlier
  // one that is still waiting with the smaller of the two totals. `total`
  // 0 asks for the count now, leaving a waiting request in place.
  virtual void notify_written(uint64_t total) = 0;

  // Closes the connection with a WebSocket close code and reason.
  virtual void close(uint16_t code, std::string reason) = 0;

  // The subprotocol's encoding, fixed at the handshake: what the link writes
  // of each frame (encoded_frame::in) and so what the session counts.
  virtual wire_format format() const {
    return wire_format::json;
  }
};

} // namespace tidewire
