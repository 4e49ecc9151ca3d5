// store_bench: appends/s and catch-up reads/s of the replay store for each
// durability mode, payload size and batch size. Run by hand; not a test.
//
//   for mode in none, wal, sync; payload in 100 B, 1 KiB; batch in 1, 64:
//     fresh store ─▶ append ≤ count records (≤ seconds) ─▶ flush ─▶ read all

#include <iostream>
#include <thread>

#include "bench_args.hpp"
#include "result_table.hpp"
#include "store_scenario.hpp"

#include "storage/data_dir.hpp"

using namespace tidewire;

namespace {

std::string usage() {
  return std::string{
           "usage: store_bench [--dir=PATH] [--count=N] [--seconds=S]\n"
           "\n"
           "Measures the replay store: appended records/s (and per-append\n"
           "latency) and catch-up read records/s, for durability none, wal and\n"
           "sync, payloads of 100 B and 1 KiB, batches of 1 and 64 records.\n"
           "\n"}
         + bench::scenario_flags_help("records appended", "append");
}

} // namespace

int main(int argc, char** argv) {
  bench::bench_args args;
  bool owned_root = false;
  if (auto exit_code = bench::start_bench("store_bench", usage(), argc, argv,
                                          &args, &owned_root))
    return *exit_code;
  const std::string& root = args.dir;
  std::cout << "store_bench: " << args.count << " records or "
            << args.seconds << " s per scenario, stores under " << root
            << ", " << std::thread::hardware_concurrency() << " cores\n\n";
  std::vector<bench::scenario_result> rows;
  int n = 0;
  for (auto mode : {storage::durability::none, storage::durability::wal,
                    storage::durability::sync})
    for (size_t payload : {size_t{100}, size_t{1024}})
      for (size_t batch : {size_t{1}, size_t{64}}) {
        auto dir = root + "/run-" + std::to_string(n++);
        rows.push_back(bench::run_scenario({mode, payload, batch}, dir,
                                           args.count, args.seconds));
        storage::data_dir::remove_tree(dir); // the store is closed by now
      }
  bench::print_table(std::cout, rows);
  if (owned_root)
    storage::data_dir::remove_tree(root);
  for (const auto& r : rows)
    if (!r.error.empty())
      return 1;
  return 0;
}
