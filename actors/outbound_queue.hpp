#pragma once

#include <algorithm>
#include <cstdint>

namespace tidewire {

// The byte accounting of one connection's outbound queue. The frames
// themselves wait in the connection (net/), which writes them as fast as the
// client takes them; the session actor counts what it handed over (sent) and
// what the connection reported written, so queued plus in-flight bytes are
// sent - written. Reports come only when the session asks for them, so
// `written` may lag: pending_bytes() never undercounts. Owned by one session
// actor; not thread-safe.
class outbound_queue {
public:
  void sent(uint64_t bytes) {
    sent_ += bytes;
  }

  // The connection reported `total` bytes written since it opened.
  void written(uint64_t total) {
    written_ = std::min(sent_, std::max(written_, total));
  }

  // Bytes the client has not taken yet, as far as the session knows.
  uint64_t pending_bytes() const {
    return sent_ - written_;
  }

  uint64_t sent_total() const {
    return sent_;
  }

  uint64_t written_total() const {
    return written_;
  }

private:
  uint64_t sent_ = 0;
  uint64_t written_ = 0;
};

} // namespace tidewire
