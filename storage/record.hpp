#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

namespace tidewire::storage {

// One update of one channel as stored. `data` is the update's JSON text
// exactly as it is sent to clients, so a catch-up never re-serialises it.
// Map-based so fields can be added without breaking stored records.
struct record {
  uint64_t seq = 0;
  int64_t ts = 0; // acceptance time, ms since the Unix epoch
  std::string data;
  // The publisher's idempotency key, "" for none. Stored with the record so
  // a restart (and a replica) knows which keys were already used. Records
  // written before it existed simply have no "key" entry.
  std::string key;
  MSGPACK_DEFINE_MAP(seq, ts, data, key);
};

// Per-channel metadata, stored beside the channel's records and rewritten in
// the same WriteBatch as every append, so it never disagrees with them.
// A state channel's document is not part of the stored metadata (rewriting
// it on every append would make an append cost the document's size): it is
// stored under its own key now and then, as a snapshot at `state_seq`, and
// the records after that seq rebuild the document at head.
struct channel_meta {
  uint32_t id = 0;      // key prefix of the channel's records
  std::string name;
  std::string kind;     // "stream" or "state"
  std::string epoch;    // names one continuous history; new when history is lost
  uint64_t head = 0;    // last assigned seq, 0 before the first update
  uint64_t first = 1;   // first retained seq; head + 1 when nothing is retained
  int64_t last_ts = 0;  // ts of the update at head
  // State channels, in memory: the document at `state_seq`, JSON text.
  // Given to append() or reset_channel(), it is stored as the snapshot at
  // state_seq; empty: the stored snapshot stays. load_meta() fills it from
  // the snapshot. (Stores written before snapshots held the document at
  // head here; they read as a snapshot at head.)
  std::string state;
  uint64_t state_seq = 0; // seq of the stored document snapshot
  MSGPACK_DEFINE_MAP(id, name, kind, epoch, head, first, last_ts, state,
                     state_seq);
};

} // namespace tidewire::storage
