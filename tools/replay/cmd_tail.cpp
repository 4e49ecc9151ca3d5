// tidewire-replay tail: the last records of a channel and, with -f, every
// new one as the node writes it (the secondary catches up every poll).

#include <atomic>
#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>

#include "tools/replay/commands.hpp"
#include "tools/replay/common.hpp"
#include "tools/replay/record_format.hpp"

namespace tidewire::replay {

const char* const tail_help =
  R"(usage: tidewire-replay tail CHANNEL [-n N] [-f] [--poll-ms=MS]
         [--max-wait-ms=MS] [--count=N] [--format=jsonl|table]
         [--data-dir=DIR]

Prints the last N records of CHANNEL (jsonl unless --format=table).

  -n N, --lines=N     how many of the last records to print first (10)
  -f, --follow        keep printing new records as the running node writes
                      them, polling the store (every --poll-ms, 200) until
                      SIGINT or SIGTERM, or a bound below is reached
  --max-wait-ms=MS    with -f: stop after MS milliseconds (exit 0)
  --count=N           with -f: stop after N new records (exit 0)

A channel with no records yet is not an error for tail.
)";

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
  stop_requested.store(true);
}

} // namespace

int cmd_tail(const args_t& argv, std::ostream& out, std::ostream& err) {
  auto args = parse_args(argv,
                         {{"lines", "poll-ms", "max-wait-ms", "count", "format"},
                          {"follow"},
                          {{"-n", "lines"}, {"-f", "follow"}}});
  if (args.positional.size() != 1)
    throw usage_error("tail takes exactly one CHANNEL");
  auto format = parse_record_format(args.get_or("format", "jsonl"));
  auto lines = args.get_u64("lines").value_or(10);
  auto poll = std::chrono::milliseconds(args.get_u64("poll-ms").value_or(200));
  auto max_wait = args.get_u64("max-wait-ms");
  auto max_count = args.get_u64("count");
  bool follow = args.has("follow");
  auto store = open_for_reading(args.get_or("data-dir", default_data_dir));
  auto meta = find_channel(*store, args.positional[0]);

  print_header(out, format);
  uint64_t next = meta.head + 1; // first seq not printed yet
  if (lines > 0 && meta.head >= meta.first) {
    uint64_t from = meta.head - meta.first + 1 > lines ? meta.head - lines + 1
                                                       : meta.first;
    for_each_record(*store, meta.id, from, meta.head,
                    [&](const storage::record& rec) {
                      print_record(out, format, rec);
                      return true;
                    });
  }
  out.flush();
  if (!follow)
    return exit_ok;

  stop_requested = false;
  auto old_int = std::signal(SIGINT, on_stop_signal);
  auto old_term = std::signal(SIGTERM, on_stop_signal);
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(max_wait.value_or(0));
  uint64_t followed = 0;
  auto done = [&] {
    return stop_requested.load() || (max_count && followed >= *max_count)
           || (max_wait && std::chrono::steady_clock::now() >= deadline);
  };
  while (!done()) {
    std::this_thread::sleep_for(poll);
    auto s = store->refresh();
    if (!s.ok())
      throw runtime_error("cannot catch up with the node: " + status_text(s));
    meta = find_channel(*store, meta.name);
    if (meta.head < next) {
      if (meta.head + 1 < next)
        err << "tidewire-replay tail: " << meta.name
            << " was reset (head " << meta.head << ", epoch " << meta.epoch
            << ")\n";
      next = std::min(next, meta.head + 1);
      continue;
    }
    next = std::max(next, meta.first);
    for_each_record(*store, meta.id, next, meta.head,
                    [&](const storage::record& rec) {
                      if (max_count && followed >= *max_count)
                        return false;
                      print_record(out, format, rec);
                      next = rec.seq + 1;
                      ++followed;
                      return true;
                    });
    out.flush();
  }
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  return exit_ok;
}

} // namespace tidewire::replay
