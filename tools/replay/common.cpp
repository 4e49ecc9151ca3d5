#include "tools/replay/common.hpp"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

namespace tidewire::replay {

namespace {
constexpr size_t read_chunk = 1024;
}

std::string status_text(const rocksdb::Status& s) {
  if (s.getState() != nullptr && *s.getState() != '\0')
    return s.getState();
  return s.ToString();
}

std::unique_ptr<storage::replay_store>
open_for_reading(const std::string& dir) {
  storage::open_options opts;
  opts.path = dir;
  opts.read_only = true; // secondary: own temp dir, removed on close
  std::unique_ptr<storage::replay_store> store;
  auto s = storage::replay_store::open(opts, &store);
  if (!s.ok())
    throw runtime_error(status_text(s));
  return store;
}

storage::channel_meta find_channel(const storage::replay_store& store,
                                   const std::string& name) {
  storage::channel_meta meta;
  auto s = store.load_meta(name, &meta);
  if (s.ok())
    return meta;
  if (!s.IsNotFound())
    throw runtime_error("cannot read channel " + name + ": " + status_text(s));
  std::vector<storage::channel_meta> all;
  std::string known;
  if (store.list_channels(&all).ok())
    for (auto& m : all)
      known += (known.empty() ? "" : ", ") + m.name;
  throw runtime_error("unknown channel '" + name + "' (this store has: "
                      + (known.empty() ? "no channels" : known) + ")");
}

void for_each_record(const storage::replay_store& store, uint32_t id,
                     uint64_t from, uint64_t to,
                     const std::function<bool(const storage::record&)>& fn) {
  std::vector<storage::record> chunk;
  while (from <= to) {
    auto s = store.read(id, from, to, read_chunk, &chunk);
    if (s.IsCorruption())
      throw runtime_error("corrupt record in the store: " + status_text(s)
                          + " (channel id/seq); run `tidewire-replay verify`");
    if (!s.ok())
      throw runtime_error(status_text(s));
    if (chunk.empty())
      return;
    for (auto& rec : chunk)
      if (!fn(rec))
        return;
    if (chunk.back().seq == UINT64_MAX)
      return;
    from = chunk.back().seq + 1;
  }
}

std::string record_json(const storage::record& rec) {
  std::string line = "{\"seq\":" + std::to_string(rec.seq)
                     + ",\"ts\":" + std::to_string(rec.ts);
  // The idempotency key the update was published with, so an import keeps
  // answering repeats of it with the first seq. Before "data", which stays
  // last (parse_record_line takes its text verbatim from there).
  if (!rec.key.empty())
    line += ",\"key\":" + nlohmann::json(rec.key).dump();
  line += ",\"data\":";
  line += rec.data.empty() ? "null" : rec.data;
  line += '}';
  return line;
}

std::string retained_text(const storage::channel_meta& meta) {
  if (meta.head == 0 || meta.first > meta.head)
    return "channel " + meta.name + " has no retained records (head "
           + std::to_string(meta.head) + ")";
  return "channel " + meta.name + " retains seqs " + std::to_string(meta.first)
         + ".." + std::to_string(meta.head);
}

void check_range_flags(const parsed_args& args, const char* to_flag) {
  storage::channel_meta everything;
  everything.name = "-";
  everything.first = 1;
  everything.head = UINT64_MAX;
  (void)select_range(args, everything, to_flag);
}

selection select_range(const parsed_args& args,
                       const storage::channel_meta& meta,
                       const char* to_flag) {
  selection sel;
  auto from = args.get_u64("from");
  auto to = args.get_u64(to_flag);
  if (auto since = args.get_time("since"))
    sel.since = *since;
  if (auto until = args.get_time("until"))
    sel.until = *until;
  if (from && to && *from > *to)
    throw usage_error("--from " + std::to_string(*from) + " is after --"
                      + to_flag + " " + std::to_string(*to));
  if (sel.since > sel.until)
    throw usage_error("--since is after --until");
  if (meta.head == 0 || meta.first > meta.head)
    throw runtime_error(retained_text(meta));
  sel.from = from ? std::max(*from, meta.first) : meta.first;
  sel.to = to ? std::min(*to, meta.head) : meta.head;
  if ((from && *from > meta.head) || (to && *to < meta.first)
      || sel.from > sel.to) {
    std::string asked = std::to_string(from.value_or(meta.first)) + ".."
                        + std::to_string(to.value_or(meta.head));
    throw runtime_error("seqs " + asked + " are outside retention: "
                        + retained_text(meta));
  }
  return sel;
}

} // namespace tidewire::replay
