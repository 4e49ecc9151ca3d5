#pragma once

// What every subcommand shares: the error type that carries an exit code,
// opening a node's store for reading, finding a channel, reading a range.

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <rocksdb/status.h>

#include "storage/record.hpp"
#include "storage/replay_store.hpp"
#include "tools/replay/args.hpp"

namespace tidewire::replay {

inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime = 1;
inline constexpr int exit_usage = 2;

inline constexpr const char* default_data_dir = "./var/data";

// Thrown by subcommands and caught once, in run_command(), which prints
// "tidewire-replay: <message>" and returns `code`.
struct tool_error : std::runtime_error {
  int code;
  tool_error(int c, const std::string& message)
    : std::runtime_error(message), code(c) {}
};

inline tool_error usage_error(const std::string& m) {
  return {exit_usage, m};
}
inline tool_error runtime_error(const std::string& m) {
  return {exit_runtime, m};
}

// The message of a Status without RocksDB's "Invalid argument: " prefix.
std::string status_text(const rocksdb::Status& s);

// Opens `dir` as a read-only secondary (never the node's lock, never
// modifies it). Throws a runtime tool_error naming the reason.
std::unique_ptr<storage::replay_store> open_for_reading(const std::string& dir);

// The metadata of `name`; a runtime error listing the known channels when
// the store has no such channel.
storage::channel_meta find_channel(const storage::replay_store& store,
                                   const std::string& name);

// Calls `fn` for each record of channel `id` with from <= seq <= to, in seq
// order, reading in chunks; stops early when `fn` returns false.
void for_each_record(const storage::replay_store& store, uint32_t id,
                     uint64_t from, uint64_t to,
                     const std::function<bool(const storage::record&)>& fn);

// One jsonl line {"seq":..,"ts":..,"key":"..","data":<json>} without the
// newline ("key" only for a record published with an idempotency key);
// `data` is embedded verbatim (it is the JSON text the node stored).
std::string record_json(const storage::record& rec);

// The records a command selects: --from/--to (seqs) and --since/--until
// (times), clipped to the retained first..head. A range entirely outside
// retention, or reversed, is a runtime error naming the retained range.
struct selection {
  uint64_t from = 0;
  uint64_t to = 0;
  int64_t since = INT64_MIN;
  int64_t until = INT64_MAX;
  bool matches(const storage::record& rec) const {
    return rec.ts >= since && rec.ts <= until;
  }
};
// Checks the range flags alone (numbers, times, order): a usage error
// before anything is opened.
void check_range_flags(const parsed_args& args, const char* to_flag = "to");
selection select_range(const parsed_args& args,
                       const storage::channel_meta& meta,
                       const char* to_flag = "to");

// "name: retained seqs first..head" or "name: no records retained".
std::string retained_text(const storage::channel_meta& meta);

} // namespace tidewire::replay
