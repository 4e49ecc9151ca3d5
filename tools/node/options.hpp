#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/cluster/settings.hpp"
#include "actors/config.hpp"
#include "actors/directory.hpp"
#include "net/server.hpp"
#include "storage/replay_store.hpp"

namespace tidewire::node {

// CAF's scheduler (work stealing). Idle workers poll their queues before
// they sleep on a condition variable; polling is what a lightly loaded node
// spends its CPU on, so the defaults poll little. Defaults are documented in
// docs/operations.md.
struct scheduler_settings {
  size_t threads = 0; // scheduler.max-threads; 0: default_scheduler_threads()
  size_t max_throughput = 300;     // messages an actor handles per turn
  size_t aggressive_polls = 10;    // work-stealing.aggressive-poll-attempts
  size_t moderate_polls = 0;       // work-stealing.moderate-poll-attempts
  std::chrono::microseconds moderate_sleep{50};
  std::chrono::milliseconds relaxed_sleep{10}; // condition variable timeout
};

// Cluster mode: set by --cluster-port, which requires the three TLS files.
struct cluster_options {
  bool enabled = false;
  cluster::cluster_settings settings; // settings.node_name is --node-name
  std::string cert_file; // this node's certificate (PEM, chain allowed)
  std::string key_file;  // its private key (PEM, unencrypted)
  std::string ca_file;   // the cluster CA every member's certificate chains to
};

// Everything a node is started with: flags, then the --config file.
struct node_options {
  net::server_config server;
  std::string data_dir = "./var/data";
  storage::durability durability = storage::durability::wal;
  // Publishes are refused (storage_full) while the data directory has less
  // free space than this: RocksDB keeps room to flush a full memtable.
  uint64_t min_free_mb = 64;
  std::vector<channel_decl> decls;
  channel_limits channel;
  size_t max_channels = directory_config{}.max_channels;
  std::chrono::seconds channel_idle = directory_config{}.idle_retire;
  source_settings sources;
  scheduler_settings scheduler;
  cluster_options cluster;
  // --auth=jwt: the key files and checks; the verifier itself is loaded
  // into server.verifier by parse_options.
  std::string auth = "none";
  auth::jwt_settings jwt;
  bool allow_anonymous = false;
  // --tls-cert-file / --tls-key-file, loaded into server.tls by
  // parse_options.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool help = false;
};

// Parses `--name=value` flags (and the JSON file named by --config).
// Errors are errc::bad_request with a message fit for the terminal.
caf::expected<node_options> parse_options(const std::vector<std::string>& args);

// The scheduler threads when --scheduler-threads is not given: 1 on a
// machine (or CPU set) of at most 2 cores, else 2. With the 2 io threads
// on 2 cores, a second worker mostly steals single session jobs from the
// first one (cross-core hand-offs, its own wake-ups); measured at light
// load it cost ~7 % more node CPU, and no throughput at saturation.
size_t default_scheduler_threads();

const char* usage();

} // namespace tidewire::node
