#include "store_scenario.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include <rocksdb/db.h>

#include "measure.hpp"

namespace tidewire::bench {

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace

const char* mode_name(storage::durability mode) {
  switch (mode) {
    case storage::durability::none:
      return "none";
    case storage::durability::wal:
      return "wal";
    case storage::durability::sync:
      return "sync";
  }
  return "?";
}

scenario_result run_scenario(const scenario& s, const std::string& dir,
                             uint64_t count, double seconds) {
  scenario_result res;
  res.what = s;
  storage::open_options opts;
  opts.path = dir;
  opts.mode = s.mode;
  std::unique_ptr<storage::replay_store> store;
  auto st = storage::replay_store::open(opts, &store);
  storage::channel_meta meta;
  if (st.ok())
    st = store->create_channel("bench", "stream", &meta);
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  // Append phase: one append call per batch, as a group-committing channel
  // actor would issue them.
  std::vector<double> latencies;
  std::vector<storage::record> batch;
  auto start = clock_type::now();
  while (res.appended < count && seconds_since(start) < seconds) {
    batch.clear();
    auto n = std::min<uint64_t>(s.batch, count - res.appended);
    for (uint64_t i = 0; i < n; ++i) {
      auto seq = meta.head + 1 + i;
      batch.push_back({seq, now_ms(), payload_of(s.payload, seq), ""});
    }
    auto next = meta;
    next.head = batch.back().seq;
    next.last_ts = batch.back().ts;
    auto t0 = clock_type::now();
    st = store->append(next, batch);
    latencies.push_back(seconds_since(t0) * 1e6);
    if (!st.ok()) {
      res.error = st.ToString();
      return res;
    }
    meta = next;
    res.appended += n;
  }
  res.append_seconds = seconds_since(start);
  res.p50_us = percentile(latencies, 0.50);
  res.p99_us = percentile(latencies, 0.99);
  // Catch-up phase from table files: flush first so the reads measure the
  // store rather than the memtable (recent updates come from the channel
  // actor's ring anyway). `none` needs the flush to have anything on disk.
  auto* db = store->raw_db();
  st = db->Flush(rocksdb::FlushOptions{}, {store->records_cf(),
                                           store->meta_cf()});
  if (!st.ok()) {
    res.error = st.ToString();
    return res;
  }
  std::vector<storage::record> chunk;
  start = clock_type::now();
  for (uint64_t from = 1; from <= meta.head;) {
    st = store->read(meta.id, from, meta.head, read_chunk, &chunk);
    if (!st.ok() || chunk.empty()) {
      res.error = st.ok() ? "catch-up read came back short" : st.ToString();
      return res;
    }
    res.read += chunk.size();
    from = chunk.back().seq + 1;
  }
  res.read_seconds = seconds_since(start);
  return res;
}

} // namespace tidewire::bench
