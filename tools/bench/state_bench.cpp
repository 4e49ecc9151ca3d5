// state_bench: what an append costs a state channel as its document grows.
// One channel actor on a wal store; small merge patches published one at a
// time (each its own append) to a document of about 1 KiB and of about
// 1 MiB. Reports appends/s and the ratio of the two, with the document
// stored as a snapshot every 1000 records (as built) and on every append
// (what the channel did before: the document rewritten with each append).
// Run by hand; not a test.

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/channel.hpp"
#include "actors/messages.hpp"
#include "actors/store.hpp"
#include "bench_args.hpp"
#include "storage/data_dir.hpp"
#include "storage/replay_store.hpp"

using namespace tidewire;
using clock_type = std::chrono::steady_clock;

namespace {

const char* usage() {
  return "usage: state_bench [--dir=PATH] [--count=N] [--seconds=S]\n"
         "\n"
         "Publishes small merge patches, one at a time, to a state channel\n"
         "whose document is about 1 KiB (10 members of 100 B) and about\n"
         "1 MiB (1000 members of 1 KiB), on a wal store. Reports appends/s\n"
         "and the 1 MiB / 1 KiB ratio, with the document stored every 1000\n"
         "records and on every append.\n"
         "\n"
         "  --dir=PATH    where the stores are created (default: a temporary\n"
         "                directory, removed at the end)\n"
         "  --count=N     patches per scenario, at most (default 20000)\n"
         "  --seconds=S   time limit per scenario (default 3)\n"
         "  --help        this text\n";
}

struct result {
  double appends_per_s = 0;
  uint64_t appends = 0;
  std::string error;
};

result run(caf::actor_system& sys, const std::string& dir, size_t members,
           size_t member_bytes, uint64_t snapshot_every,
           const bench::bench_args& args) {
  result r;
  std::unique_ptr<storage::replay_store> opened;
  storage::open_options options;
  options.path = dir;
  options.mode = storage::durability::wal;
  auto s = storage::replay_store::open(options, &opened);
  if (!s.ok()) {
    r.error = s.ToString();
    return r;
  }
  std::shared_ptr<storage::replay_store> store = std::move(opened);
  auto stores = spawn_store_actors(sys, store, true);
  channel_limits limits;
  limits.max_state_bytes = 64 * 1024 * 1024;
  limits.state_snapshot_every = snapshot_every;
  limits.state_snapshot_interval = std::chrono::hours(1);
  channel_decl decl;
  decl.pattern = "doc";
  decl.kind = "state";
  auto ch = spawn_channel(sys, channel_params{"doc", decl, limits,
                                              stores.writer, stores.reader,
                                              std::nullopt, {}});
  caf::scoped_actor self{sys};
  auto publish = [&](const std::string& data) {
    bool ok = false;
    self->request(ch, std::chrono::seconds(30), publish_atom::value, data)
      .receive([&](const publish_ack&) { ok = true; },
               [&](caf::error& err) { r.error = caf::to_string(err); });
    return ok;
  };
  nlohmann::json doc = nlohmann::json::object();
  for (size_t i = 0; i < members; ++i)
    doc["m" + std::to_string(i)] = {{"v", 0},
                                    {"text", std::string(member_bytes - 30, 't')}};
  if (!publish(doc.dump()))
    return r;
  auto start = clock_type::now();
  auto end = start + std::chrono::duration<double>(args.seconds);
  uint64_t n = 0;
  while (n < args.count && clock_type::now() < end) {
    ++n;
    nlohmann::json patch = {{"m" + std::to_string(n % members), {{"v", n}}}};
    if (!publish(patch.dump()))
      break;
  }
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  r.appends = n;
  r.appends_per_s = n / secs;
  self->send_exit(ch, caf::exit_reason::user_shutdown);
  self->send_exit(stores.writer, caf::exit_reason::user_shutdown);
  self->send_exit(stores.reader, caf::exit_reason::user_shutdown);
  self->wait_for(ch, stores.writer, stores.reader);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  bench::bench_args args;
  bool owned_root = false;
  if (auto exit_code = bench::start_bench("state_bench", usage(), argc, argv,
                                          &args, &owned_root))
    return *exit_code;
  caf::actor_system_config cfg;
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  std::cout << "state_bench: " << args.count << " patches or " << args.seconds
            << " s per scenario, wal, one publish per append\n\n"
            << std::left << std::setw(30) << "document stored" << std::right
            << std::setw(16) << "1 KiB doc /s" << std::setw(16)
            << "1 MiB doc /s" << std::setw(10) << "ratio" << '\n';
  int n = 0;
  int status = 0;
  for (uint64_t every : {uint64_t{1000}, uint64_t{1}}) {
    result small, large;
    for (auto [members, bytes, out] :
         {std::tuple{size_t{10}, size_t{100}, &small},
          std::tuple{size_t{1000}, size_t{1024}, &large}}) {
      auto dir = args.dir + "/run-" + std::to_string(n++);
      *out = run(sys, dir, members, bytes, every, args);
      storage::data_dir::remove_tree(dir);
      if (!out->error.empty()) {
        std::cerr << "state_bench: " << out->error << '\n';
        status = 1;
      }
    }
    std::cout << std::left << std::setw(30)
              << (every == 1 ? "on every append (before)"
                             : "every 1000 records (now)")
              << std::right << std::fixed << std::setprecision(0)
              << std::setw(16) << small.appends_per_s << std::setw(16)
              << large.appends_per_s << std::setw(10) << std::setprecision(3)
              << (small.appends_per_s > 0
                    ? large.appends_per_s / small.appends_per_s
                    : 0)
              << '\n';
  }
  if (owned_root)
    storage::data_dir::remove_tree(args.dir);
  return status;
}
