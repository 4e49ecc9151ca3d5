#pragma once

// Key layout of the replay store. Public so tools (tidewire-replay verify)
// can walk the raw key space with the same encoding the store uses.
//
//   records CF:  [channel id: 4 bytes BE][seq: 8 bytes BE]  -> msgpack record
//   meta CF:     "format"          -> decimal format version ("1")
//                "store_id"        -> 16 lowercase hex chars
//                "next_id"         -> decimal next channel id
//                "channel/<name>"  -> msgpack channel_meta (no document)
//                "state/<name>"    -> a state channel's document at the
//                                     meta's state_seq, compact JSON text
//                "run_state"       -> "clean", or "open:<mode>" while a node
//                                     has the store open (mode: wal | sync)
//                "boot_id"         -> the kernel boot id of the last open
//
// Big-endian makes RocksDB's bytewise order equal (id, seq) order, so one
// channel's history is one contiguous, seq-ordered range.

#include <cstdint>
#include <string>
#include <string_view>

namespace tidewire::storage::keys {

inline constexpr size_t record_key_size = 12;

inline constexpr std::string_view format = "format";
inline constexpr std::string_view store_id = "store_id";
inline constexpr std::string_view next_id = "next_id";
inline constexpr std::string_view channel_prefix = "channel/";
inline constexpr std::string_view state_prefix = "state/";
inline constexpr std::string_view run_state = "run_state";
inline constexpr std::string_view boot_id = "boot_id";

// The 12-byte key of record `seq` of channel `id`.
std::string record_key(uint32_t id, uint64_t seq);

// Splits a record key; false when `key` is not exactly 12 bytes.
bool parse_record_key(std::string_view key, uint32_t* id, uint64_t* seq);

// "channel/<name>".
std::string channel_key(std::string_view name);

// "state/<name>".
std::string state_key(std::string_view name);

} // namespace tidewire::storage::keys
