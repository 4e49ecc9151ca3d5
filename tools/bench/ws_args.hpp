#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "node_process.hpp"

namespace tidewire::bench {

// Flags of ws_bench. Every count and time has an upper bound, so a run with
// any accepted flags finishes.
struct ws_args {
  std::string node = "build/tools/tidewire"; // the node binary to start
  std::vector<std::string> node_flags;      // extra flags, after the bench's
  node_address connect; // a running node to use instead (port 0: none)
  std::vector<size_t> subscribers = {100, 1000, 4000};
  double rate = 1000;      // target publishes per second
  uint64_t count = 5000;   // publishes per fan-out scenario, at most
  double seconds = 5;      // publish phase time limit per scenario
  size_t payload = 100;    // bytes of each update's data
  std::string channel = "trades";
  size_t window = 128;     // publishes awaiting their ack, at most
  std::vector<size_t> http_clients = {1, 16};
  size_t threads = 2;      // the bench's io threads
  double timeout = 30;     // limit of each wait (connect, catch-up, close)
  bool fanout = true;
  bool memory = true;
  bool http = true;
  bool storm = false;      // only when asked for in --scenarios
  uint64_t behind = 100;   // storm: updates missed while away
  size_t connect_window = 128; // handshakes in progress at once, at most
  bool msgpack = false;        // --protocol=msgpack: tidewire.v1.msgpack
  bool help = false;
};

// Parses `--name=value` flags; false with a message in *error on a bad one.
bool parse_ws_args(int argc, char** argv, ws_args* out, std::string* error);

const char* ws_usage();

} // namespace tidewire::bench
