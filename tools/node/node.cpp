#include "tools/node/node.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <pthread.h>
#include <sys/resource.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/directory.hpp"
#include "actors/errors.hpp"
#include "actors/sources/sources.hpp"
#include "actors/store.hpp"
#include "net/server.hpp"
#include "tools/node/cluster.hpp"

// Start-up and shutdown of one node; each start has its stop beside it:
//
//   replay store ─▶ store actors ─▶ membership (+ node actor on the cluster
//     port) ─▶ directory (+ channels, placed by membership's view) ─▶ sources
//     ─▶ server
//   server.drain (1001) ─▶ sources ─▶ membership ─▶ directory ─▶ store actors
//     ─▶ store
namespace tidewire::node {

namespace {

// Blocks the shutdown signals in every thread started after this call, so
// only wait_for_shutdown_signal() receives them.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void stop_actor(caf::actor_system& sys, const caf::actor& actor) {
  if (!actor)
    return;
  caf::scoped_actor self{sys};
  self->monitor(actor);
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

// Raises the soft descriptor limit to the hard one (a shell's default soft
// limit of 1024 would cap the node at about a thousand clients) and returns
// it.
rlim_t raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    auto want = lim;
    want.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      lim = want;
  }
  return lim.rlim_cur;
}

// Connections may use the descriptors left after a reserve for the store's
// files and the process itself, so the limit is met with a clear 503 before
// accept() runs out of descriptors.
size_t connection_cap(rlim_t fd_limit) {
  auto reserve = std::min<rlim_t>(256, fd_limit / 4);
  return fd_limit > reserve ? static_cast<size_t>(fd_limit - reserve) : 1;
}

} // namespace

int run(const node_options& given) {
  auto signals = block_shutdown_signals();
  auto opts = given;
  auto cap = connection_cap(raise_fd_limit());
  if (opts.server.max_connections > cap) {
    std::cerr << "tidewire: --max-connections lowered from "
              << opts.server.max_connections << " to " << cap
              << " (the open file limit, less a reserve)\n";
    opts.server.max_connections = cap;
  }

  std::shared_ptr<storage::replay_store> store;
  if (opts.durability != storage::durability::none) {
    std::unique_ptr<storage::replay_store> opened;
    storage::open_options open_opts;
    open_opts.path = opts.data_dir;
    open_opts.mode = opts.durability;
    open_opts.min_free_bytes = opts.min_free_mb << 20;
    // Tests simulate a reboot with a boot id of their own.
    if (const char* boot_file = std::getenv("TIDEWIRE_BOOT_ID_FILE"))
      open_opts.boot_id_path = boot_file;
    auto st = storage::replay_store::open(open_opts, &opened);
    if (!st.ok()) {
      std::cerr << "tidewire: " << st.getState() << '\n';
      return 1;
    }
    if (opened->epochs_renewed())
      std::cerr << "tidewire: the store was not closed cleanly before the "
                   "machine restarted (durability wal): every channel starts "
                   "a new epoch\n";
    store = std::move(opened);
  }

  caf::actor_system_config cfg;
  const auto& sched = opts.scheduler;
  cfg.set("scheduler.max-threads",
          sched.threads != 0 ? sched.threads : default_scheduler_threads());
  cfg.set("scheduler.max-throughput", sched.max_throughput);
  // CAF steps its poll counters by these intervals (i % interval): 1 steals
  // at every attempt of a phase, and a zero-length phase is skipped.
  cfg.set("work-stealing.aggressive-poll-attempts", sched.aggressive_polls);
  cfg.set("work-stealing.aggressive-steal-interval", size_t{1});
  cfg.set("work-stealing.moderate-poll-attempts", sched.moderate_polls);
  cfg.set("work-stealing.moderate-steal-interval", size_t{1});
  cfg.set("work-stealing.moderate-sleep-duration",
          caf::timespan{sched.moderate_sleep});
  cfg.set("work-stealing.relaxed-steal-interval", size_t{1});
  cfg.set("work-stealing.relaxed-sleep-duration",
          caf::timespan{sched.relaxed_sleep});
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  configure_cluster(cfg, opts.cluster);
  caf::actor_system sys{cfg};

  store_actors stores;
  if (store)
    stores = spawn_store_actors(sys, store);
  cluster_handles cluster;
  caf::actor directory;
  std::vector<caf::actor> sources;
  auto shutdown_actors = [&] {
    for (auto& source : sources)
      stop_actor(sys, source);
    stop_actor(sys, cluster.membership);
    stop_actor(sys, directory);
    stop_actor(sys, stores.writer);
    stop_actor(sys, stores.reader);
  };

  // Membership first: in cluster mode the directory places every channel by
  // its view, and registers itself on the node actor for peers.
  auto started = start_cluster(sys, opts.cluster);
  if (!started) {
    std::cerr << "tidewire: " << error_message(started.error()) << '\n';
    shutdown_actors();
    return 1;
  }
  cluster = *started;
  directory_config dir_cfg;
  dir_cfg.decls = opts.decls;
  dir_cfg.limits = opts.channel;
  dir_cfg.store_writer = stores.writer;
  dir_cfg.store_reader = stores.reader;
  dir_cfg.max_channels = opts.max_channels;
  dir_cfg.idle_retire = opts.channel_idle;
  if (opts.cluster.enabled) {
    dir_cfg.membership = cluster.membership;
    dir_cfg.node = cluster.node;
    dir_cfg.sync_replication = opts.cluster.settings.replication
                               == cluster::replication_mode::sync;
  }
  directory = spawn_directory(sys, dir_cfg);
  if (opts.sources.enabled)
    sources = spawn_sources(sys, directory, opts.sources);

  net::server server{sys, directory, cluster.membership, opts.server};
  auto port = server.start();
  if (!port) {
    std::cerr << "tidewire: " << error_message(port.error()) << '\n';
    shutdown_actors();
    return 1;
  }
  // Ready (the line on stdout, /readyz 200) once every declared and stored
  // channel has restored its state; a signal meanwhile still stops the node.
  auto ready_line = std::string{"tidewire listening on "}
                    + (opts.server.tls ? "https://" : "http://")
                    + opts.server.host + ':' + std::to_string(*port);
  auto announcer = sys.spawn(
    [&server, ready_line](caf::event_based_actor* self, caf::actor dir) {
      self->request(dir, caf::infinite, loaded_atom::value)
        .then(
          [self, &server, ready_line](ok_atom) {
            server.set_ready(true);
            std::cout << ready_line << std::endl;
            self->quit();
          },
          [self](caf::error&) { self->quit(); });
    },
    directory);

  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "tidewire: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ", shutting down\n";
  stop_actor(sys, announcer); // it must not touch the server after this
  server.drain();
  server.stop();
  shutdown_actors();
  return 0;
}

} // namespace tidewire::node
