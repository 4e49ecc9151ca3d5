#pragma once

// How show and tail print records: jsonl (default), table, msgpack.

#include <iosfwd>
#include <string>

#include "storage/record.hpp"

namespace tidewire::replay {

enum class record_format { jsonl, table, msgpack };

// Usage error for anything but jsonl|table|msgpack.
record_format parse_record_format(const std::string& text);

// table: "SEQ  TS  DATA" header line. Others: nothing.
void print_header(std::ostream& out, record_format f);

// jsonl: {"seq":..,"ts":..,"data":<json>}\n; table: seq, ISO-8601 UTC time
// and data on one line; msgpack: the record's stored msgpack map
// {seq, ts, data}, concatenated without separators.
void print_record(std::ostream& out, record_format f,
                  const storage::record& rec);

} // namespace tidewire::replay
