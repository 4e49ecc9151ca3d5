#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tidewire {

// A declared channel pattern: `name` is an exact channel name or a prefix
// pattern ending in `*` (`positions.*`). Declared first wins.
struct channel_decl {
  std::string pattern;
  std::string kind = "stream"; // "stream" or "state"
  uint64_t retention_count = 100'000;
  std::chrono::milliseconds retention_age = std::chrono::hours(24);
};

// Limits and sizes of the channel actors; defaults documented in
// docs/operations.md.
struct channel_limits {
  size_t ring_size = 4096;       // recent updates kept in memory per channel
  // ...and at most this many bytes of them (update_ring::bytes_of); older
  // ones are read from the store (memory only: they are gone).
  size_t ring_bytes = 8 * 1024 * 1024;
  size_t catchup_limit = 100;    // updates sent on a `recovered: false` stream resume
  size_t read_chunk = 512;       // records per store read during a catch-up
  // Publishes group-committed in one WriteBatch. With `sync` each write
  // waits for an fsync of several ms, so this caps publishes/s at about
  // max_batch per fsync: 256 held many publishers to ~30k/s.
  size_t max_batch = 1024;
  // Publishes queued behind the write in flight before further ones are
  // refused (rate_limited): producers faster than the store get told so
  // instead of growing the queue without bound.
  size_t max_pending = 8192;
  // How often retention by age is enforced; zero turns the timer off (tests
  // under the deterministic scheduler, which fires every pending timeout).
  std::chrono::milliseconds trim_interval = std::chrono::seconds(60);
  // A publish repeating an idempotency key seen within this window (and
  // among the channel's last `max_keys` keyed publishes) gets the first
  // publish's seq instead of being stored again.
  std::chrono::milliseconds idempotency_window = std::chrono::seconds(600);
  size_t max_keys = 10'000;
  // Largest state document (compact JSON bytes); a publish that would take
  // it past this is refused (too_large). Below the default --queue-bytes, so
  // a snapshot always fits a new subscriber's queue.
  size_t max_state_bytes = 1024 * 1024;
  // A state channel stores its whole document (a snapshot) with the append
  // that takes it this many records past the last snapshot, or with the
  // first append this long after it (an idle channel at its next tick, and
  // at a clean stop). Appends in between store only their patches, so their
  // cost does not grow with the document; a restart re-applies at most
  // about this many records.
  uint64_t state_snapshot_every = 1000;
  std::chrono::milliseconds state_snapshot_interval = std::chrono::seconds(30);
};

struct session_limits {
  uint64_t queue_bytes = 4 * 1024 * 1024; // outbound bytes before close 1013
  // Frames queued for a connection while it writes go out together as its
  // next WebSocket message, up to this many bytes (at least one frame).
  uint64_t max_message_bytes = 1024 * 1024;
  // Unacknowledged publishes one client may have; more are refused with
  // rate_limited, so one connection cannot queue unbounded work.
  size_t max_publishes_in_flight = 256;
  // Channels one client may be subscribed to at once; more are refused with
  // rate_limited (each subscription is state in a channel actor).
  size_t max_subscriptions = 1024;
  uint32_t heartbeat_ms = 15'000;
  uint32_t reconnect_base_ms = 500;
  uint32_t reconnect_max_ms = 15'000;
};

struct source_settings {
  bool enabled = true;
  std::map<std::string, std::chrono::milliseconds> intervals = {
    {"dashboard", std::chrono::milliseconds(1000)},
    {"trades", std::chrono::milliseconds(500)},
    {"positions", std::chrono::milliseconds(1000)},
    {"performance", std::chrono::milliseconds(2000)},
    {"alerts", std::chrono::milliseconds(5000)},
  };
  uint64_t seed = 0; // 0: seeded from the clock
};

// The five demo channels, declared whether or not the simulator runs.
std::vector<channel_decl> default_channel_decls();

// The declaration matching `name`, or nullptr.
const channel_decl* find_decl(const std::vector<channel_decl>& decls,
                              const std::string& name);

// True for names matching ^[A-Za-z0-9_.:-]{1,128}$.
bool valid_channel_name(const std::string& name);

} // namespace tidewire
