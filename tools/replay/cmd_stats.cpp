// tidewire-replay stats: per channel, counts, sizes, publish rate per time
// bucket and the seqs missing within first..head.

#include <map>
#include <ostream>
#include <vector>

#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/table.hpp"
#include "tools/replay/time_text.hpp"

namespace tidewire::replay {

const char* const stats_help =
  R"(usage: tidewire-replay stats [CHANNEL] [--bucket-s=SECONDS]
         [--since=TIME] [--until=TIME] [--data-dir=DIR]

For CHANNEL (default: every channel): retained seqs, record count, data
bytes (total, mean, largest), time span, mean publish rate, the number of
records per time bucket (--bucket-s, 60 = per minute), and gaps: seqs
missing within the retained range first..head.
)";

namespace {

struct gap {
  uint64_t from, to;
};

void channel_stats(const storage::replay_store& store,
                   const storage::channel_meta& meta, int64_t bucket_ms,
                   int64_t since, int64_t until, std::ostream& out) {
  uint64_t count = 0, bytes = 0, largest = 0;
  int64_t first_ts = 0, last_ts = 0;
  std::map<int64_t, uint64_t> buckets;
  std::vector<gap> gaps;
  uint64_t expected = meta.first;
  if (meta.head >= meta.first)
    for_each_record(store, meta.id, meta.first, meta.head,
                    [&](const storage::record& rec) {
                      if (rec.seq > expected)
                        gaps.push_back({expected, rec.seq - 1});
                      expected = rec.seq + 1;
                      if (rec.ts < since || rec.ts > until)
                        return true;
                      if (count == 0)
                        first_ts = rec.ts;
                      last_ts = rec.ts;
                      ++count;
                      bytes += rec.data.size();
                      largest = std::max<uint64_t>(largest, rec.data.size());
                      int64_t b = rec.ts - ((rec.ts % bucket_ms) + bucket_ms)
                                             % bucket_ms;
                      ++buckets[b];
                      return true;
                    });
  if (meta.head >= expected)
    gaps.push_back({expected, meta.head});
  out << meta.name << " (" << meta.kind << ", epoch " << meta.epoch << ")\n";
  out << "  retained seqs   " << meta.first << ".." << meta.head << '\n';
  out << "  records         " << count << '\n';
  out << "  data bytes      " << bytes << " (mean "
      << (count ? bytes / count : 0) << ", largest " << largest << ")\n";
  if (count > 0) {
    double span_s = (last_ts - first_ts) / 1000.0;
    out << "  time span       " << iso_time(first_ts) << " .. "
        << iso_time(last_ts) << " (" << span_s << " s)\n";
    if (span_s > 0)
      out << "  mean rate       " << (count - 1) / span_s << " /s\n";
    out << "  per " << bucket_ms / 1000 << " s:\n";
    text_table t{{"    BUCKET", "RECORDS", "RATE/S"}};
    for (auto& [start, n] : buckets)
      t.add({"    " + iso_time(start), std::to_string(n),
             std::to_string(n * 1000.0 / bucket_ms)});
    t.print(out);
  }
  if (gaps.empty()) {
    out << "  gaps            none\n";
  } else {
    out << "  gaps            " << gaps.size() << ":";
    for (auto& g : gaps)
      out << ' '
          << (g.from == g.to ? std::to_string(g.from)
                             : std::to_string(g.from) + ".."
                                 + std::to_string(g.to));
    out << '\n';
  }
}

} // namespace

int cmd_stats(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"bucket-s", "since", "until"}, {}, {}});
  if (args.positional.size() > 1)
    throw usage_error("stats takes at most one CHANNEL");
  auto bucket_s = args.get_u64("bucket-s").value_or(60);
  if (bucket_s == 0)
    throw usage_error("--bucket-s must be at least 1");
  auto since = args.get_time("since").value_or(INT64_MIN);
  auto until = args.get_time("until").value_or(INT64_MAX);
  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  std::vector<storage::channel_meta> metas;
  if (args.positional.empty()) {
    auto s = store->list_channels(&metas);
    if (!s.ok())
      throw runtime_error(status_text(s));
  } else {
    metas.push_back(find_channel(*store, args.positional[0]));
  }
  for (size_t i = 0; i < metas.size(); ++i) {
    if (i > 0)
      out << '\n';
    channel_stats(*store, metas[i], static_cast<int64_t>(bucket_s) * 1000,
                  since, until, out);
  }
  return exit_ok;
}

} // namespace tidewire::replay
