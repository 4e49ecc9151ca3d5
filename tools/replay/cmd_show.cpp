// tidewire-replay show: a channel's records in seq order, or (state
// channels) the document rebuilt from the patches up to a seq.

#include <ostream>

#include <nlohmann/json.hpp>

#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/record_format.hpp"

namespace tidewire::replay {

const char* const show_help =
  R"(usage: tidewire-replay show CHANNEL [--from=SEQ] [--to=SEQ]
         [--since=TIME] [--until=TIME] [--limit=N]
         [--format=jsonl|table|msgpack] [--data-dir=DIR]
       tidewire-replay show CHANNEL --state-at=SEQ [--data-dir=DIR]

Prints the retained records of CHANNEL in seq order.

  --from=SEQ, --to=SEQ      seq range (default: the whole retained history)
  --since=TIME, --until=TIME  only records accepted in this time range;
                            TIME is ISO-8601 UTC (2026-11-25T14:02:00Z,
                            fractions and +HH:MM offsets accepted) or epoch ms
  --limit=N                 at most N records
  --format=F                jsonl (default): {"seq":..,"ts":<epoch ms>,"data":..}
                            table: seq, ISO-8601 UTC time, data
                            msgpack: the stored records, msgpack maps
                            {seq, ts, data} back to back
  --state-at=SEQ            state channels: rebuild the document at SEQ by
                            applying the RFC 7396 merge patches 1..SEQ to {}.
                            Fails when history before SEQ was trimmed (the
                            first retained seq is not 1).

Selecting nothing (a range outside retention, or no record matching the
time range) is an error (exit 1).
)";

namespace {

int state_at(const storage::replay_store& store,
             const storage::channel_meta& meta, uint64_t seq,
             std::ostream& out) {
  if (meta.kind != "state")
    throw runtime_error("--state-at needs a state channel; " + meta.name
                        + " is a " + meta.kind + " channel");
  if (seq == 0 || seq > meta.head)
    throw runtime_error("--state-at " + std::to_string(seq)
                        + " is outside the channel's history 1.."
                        + std::to_string(meta.head));
  if (meta.first != 1)
    throw runtime_error(
      "cannot rebuild " + meta.name + " at seq " + std::to_string(seq)
      + " exactly: history before seq " + std::to_string(meta.first)
      + " was trimmed (only the document at head "
      + std::to_string(meta.head) + " is stored)");
  auto doc = nlohmann::json::object();
  uint64_t expected = 1;
  for_each_record(store, meta.id, 1, seq, [&](const storage::record& rec) {
    if (rec.seq != expected)
      throw runtime_error("cannot rebuild " + meta.name + ": seq "
                          + std::to_string(expected)
                          + " is missing (run verify)");
    auto patch = nlohmann::json::parse(rec.data, nullptr, false);
    if (patch.is_discarded())
      throw runtime_error("seq " + std::to_string(rec.seq)
                          + " is not valid JSON (run verify)");
    doc.merge_patch(patch);
    ++expected;
    return true;
  });
  if (expected != seq + 1)
    throw runtime_error("cannot rebuild " + meta.name + ": seq "
                        + std::to_string(expected)
                        + " is missing (run verify)");
  out << doc.dump() << '\n';
  return exit_ok;
}

} // namespace

int cmd_show(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv, {{"from", "to", "since", "until", "limit",
                                 "format", "state-at"},
                                {},
                                {}});
  if (args.positional.size() != 1)
    throw usage_error("show takes exactly one CHANNEL");
  auto format = parse_record_format(args.get_or("format", "jsonl"));
  auto limit = args.get_u64("limit").value_or(UINT64_MAX);
  auto state_seq = args.get_u64("state-at");
  check_range_flags(args);
  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  auto meta = find_channel(*store, args.positional[0]);
  if (state_seq)
    return state_at(*store, meta, *state_seq, out);
  auto sel = select_range(args, meta);
  uint64_t shown = 0;
  bool header = false;
  for_each_record(*store, meta.id, sel.from, sel.to,
                  [&](const storage::record& rec) {
                    if (shown >= limit)
                      return false;
                    if (!sel.matches(rec))
                      return true;
                    if (!header) {
                      print_header(out, format);
                      header = true;
                    }
                    print_record(out, format, rec);
                    ++shown;
                    return true;
                  });
  if (shown == 0)
    throw runtime_error("no records of " + meta.name
                        + " match the selection (" + retained_text(meta)
                        + ")");
  return exit_ok;
}

} // namespace tidewire::replay
