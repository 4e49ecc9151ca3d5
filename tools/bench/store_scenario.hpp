#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/replay_store.hpp"

namespace tidewire::bench {

struct scenario {
  storage::durability mode;
  size_t payload; // bytes of record data
  size_t batch;   // records per append (one WriteBatch)
};

struct scenario_result {
  scenario what;
  std::string error; // empty when the run succeeded
  uint64_t appended = 0;
  double append_seconds = 0;
  double p50_us = 0; // latency of one append call (one batch)
  double p99_us = 0;
  uint64_t read = 0;
  double read_seconds = 0;
};

// Records a catch-up read asks for at once, as a channel actor would chunk.
inline constexpr size_t read_chunk = 256;

// Creates a store in `dir` (which must not exist), appends up to `count`
// records to one channel in batches for at most `seconds`, flushes, then
// reads the whole history back in chunks from seq 1.
scenario_result run_scenario(const scenario& s, const std::string& dir,
                             uint64_t count, double seconds);

const char* mode_name(storage::durability mode);

} // namespace tidewire::bench
