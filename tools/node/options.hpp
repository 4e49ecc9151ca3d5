#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/config.hpp"
#include "actors/directory.hpp"
#include "net/server.hpp"
#include "storage/replay_store.hpp"

namespace tidewire::node {

// Everything a node is started with: flags, then the --config file.
struct node_options {
  net::server_config server;
  std::string data_dir = "./var/data";
  storage::durability durability = storage::durability::wal;
  std::vector<channel_decl> decls;
  channel_limits channel;
  size_t max_channels = directory_config{}.max_channels;
  source_settings sources;
  bool help = false;
};

// Parses `--name=value` flags (and the JSON file named by --config).
// Errors are errc::bad_request with a message fit for the terminal.
caf::expected<node_options> parse_options(const std::vector<std::string>& args);

const char* usage();

} // namespace tidewire::node
