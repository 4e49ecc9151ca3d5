// fanout_bench: how fast one channel actor fans updates out to its
// subscribers with persistence on (the store in none, wal or sync mode) and
// off (a memory-only channel). Run by hand; not a test.
//
//   for subscribers in 1, 100, 1000; payload in 100 B, 1 KiB;
//       persistence in off, none, wal, sync:
//     channel + N subscribers ─▶ 4 publishers × 64 in flight, ≤ count
//     publishes (≤ seconds) ─▶ wait until every subscriber has every update

#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include "bench_args.hpp"
#include "fanout_scenario.hpp"
#include "result_table.hpp"

#include "storage/data_dir.hpp"

using namespace tidewire;

namespace {

std::string usage() {
  return std::string{
           "usage: fanout_bench [--dir=PATH] [--count=N] [--seconds=S]\n"
           "\n"
           "Measures one channel actor's fan-out: acknowledged publishes/s,\n"
           "updates delivered/s summed over subscribers, and publish-to-ack\n"
           "latency, with persistence off (memory only) and on (store in\n"
           "none, wal and sync mode), for 1, 100 and 1000 subscribers and\n"
           "payloads of 100 B and 1 KiB. Four publishers keep 64 publishes in\n"
           "flight each. Subscribers are actors that check every seq arrives\n"
           "once and in order; no network is involved.\n"
           "\n"}
         + bench::scenario_flags_help("publishes", "publish");
}

} // namespace

int main(int argc, char** argv) {
  bench::bench_args args;
  bool owned_root = false;
  if (auto exit_code = bench::start_bench("fanout_bench", usage(), argc, argv,
                                          &args, &owned_root))
    return *exit_code;
  const std::string& root = args.dir;
  caf::actor_system_config cfg;
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  std::cout << "fanout_bench: " << args.count << " publishes or "
            << args.seconds << " s per scenario, stores under " << root
            << ", " << std::thread::hardware_concurrency() << " cores\n\n";
  std::vector<bench::fanout_result> rows;
  int n = 0;
  using storage::durability;
  for (size_t subscribers : {size_t{1}, size_t{100}, size_t{1000}})
    for (size_t payload : {size_t{100}, size_t{1024}})
      for (auto persistence :
           {std::optional<durability>{}, std::optional{durability::none},
            std::optional{durability::wal}, std::optional{durability::sync}}) {
        auto dir = root + "/run-" + std::to_string(n++);
        rows.push_back(bench::run_fanout(
          sys, {persistence, subscribers, payload}, dir, args.count,
          args.seconds));
        storage::data_dir::remove_tree(dir); // its actors are gone by now
        const auto& r = rows.back();
        std::cerr << "  done: " << r.what.subscribers << " subscribers, "
                  << r.what.payload << " B, "
                  << (r.error.empty() ? "ok" : r.error) << '\n';
      }
  bench::print_table(std::cout, rows);
  if (owned_root)
    storage::data_dir::remove_tree(root);
  for (const auto& r : rows)
    if (!r.error.empty())
      return 1;
  return 0;
}
