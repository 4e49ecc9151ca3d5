#pragma once

// The export file: one header line, then one jsonl line per record.
//
//   {"tidewire_export":1,"channel":"trades","kind":"stream","epoch":"...",
//    "first":1,"head":20,"last_ts":1795...,"state":"<json text>"}
//   {"seq":1,"ts":1795...,"data":{...}}
//   {"seq":2,"ts":1795...,"key":"order-17","data":{...}}   (idempotency key)
//   ...
//
// "state" (state channels only) is the document at "state_seq" (its stored
// snapshot) as JSON text; the records after state_seq are always in the
// export, so an import rebuilds the document at head even when history
// before `first` was trimmed. Exports without "state_seq" hold the document
// at head.

#include <cstdint>
#include <optional>
#include <string>

#include "storage/record.hpp"

namespace tidewire::replay {

inline constexpr int export_version = 1;

struct export_header {
  std::string channel, kind, epoch, state;
  uint64_t first = 1, head = 0;
  int64_t last_ts = 0;
  uint64_t state_seq = 0; // state channels: the seq `state` is at
};

std::string header_line(const export_header& h);

// Runtime error naming `line_no` when the line is not a version-1 header.
export_header parse_header_line(const std::string& line);

// The longest idempotency key a node accepts (the protocol's limit).
inline constexpr size_t max_key_bytes = 128;

// Parses a record line (seq, ts, data, and "key" when the update was
// published with an idempotency key). `data` keeps the exact JSON text of the line's
// "data" member when the line has the layout record_json() writes (so an
// export -> import -> export round trip is byte-identical); a reformatted
// line falls back to the re-serialised value.
storage::record parse_record_line(const std::string& line, uint64_t line_no);

} // namespace tidewire::replay
