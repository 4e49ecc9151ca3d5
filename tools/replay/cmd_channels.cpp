// tidewire-replay channels: one row per channel, counted from the records
// actually present (not just first..head).

#include <memory>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>

#include "storage/keys.hpp"
#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/table.hpp"
#include "tools/replay/time_text.hpp"

namespace tidewire::replay {

const char* const channels_help =
  R"(usage: tidewire-replay channels [--data-dir=DIR] [--format=table|jsonl]

Lists every channel of the store: name, kind (stream|state), epoch, first
and last retained seq, the number and total size (key + value bytes) of the
records present, and the time of the last update (ISO-8601 UTC).

  --data-dir=DIR   the node's data directory (./var/data)
  --format=F       table (default) or jsonl (one JSON object per channel)
)";

namespace {

struct usage_counts {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

usage_counts count_records(const storage::replay_store& store, uint32_t id) {
  usage_counts c;
  rocksdb::ReadOptions ro;
  auto lower = storage::keys::record_key(id, 0);
  auto upper = storage::keys::record_key(id + 1, 0); // id + 1 == 0: no bound
  rocksdb::Slice upper_slice{upper};
  if (id != UINT32_MAX)
    ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it{
    store.raw_db()->NewIterator(ro, store.records_cf())};
  for (it->Seek(lower); it->Valid(); it->Next()) {
    ++c.count;
    c.bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok())
    throw runtime_error(status_text(it->status()));
  return c;
}

} // namespace

int cmd_channels(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"format"}, {}, {}});
  if (!args.positional.empty())
    throw usage_error("unexpected argument '" + args.positional[0] + "'");
  auto format = args.get_or("format", "table");
  if (format != "table" && format != "jsonl")
    throw usage_error("--format expects table or jsonl, got '" + format + "'");
  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  std::vector<storage::channel_meta> metas;
  auto s = store->list_channels(&metas);
  if (!s.ok())
    throw runtime_error(status_text(s));
  text_table table{{"CHANNEL", "KIND", "EPOCH", "FIRST", "HEAD", "COUNT",
                    "BYTES", "LAST UPDATE"}};
  for (auto& m : metas) {
    auto c = count_records(*store, m.id);
    auto last = m.last_ts > 0 ? iso_time(m.last_ts) : std::string{"-"};
    if (format == "jsonl") {
      nlohmann::json row{{"channel", m.name}, {"kind", m.kind},
                         {"epoch", m.epoch},  {"first", m.first},
                         {"head", m.head},    {"count", c.count},
                         {"bytes", c.bytes},  {"last_ts", m.last_ts}};
      out << row.dump() << '\n';
    } else {
      table.add({m.name, m.kind, m.epoch, std::to_string(m.first),
                 std::to_string(m.head), std::to_string(c.count),
                 std::to_string(c.bytes), last});
    }
  }
  if (format == "table") {
    table.print(out);
    if (metas.empty())
      out << "(no channels)\n";
  }
  return exit_ok;
}

} // namespace tidewire::replay
