#pragma once

#include "tools/node/options.hpp"

namespace tidewire::node {

// Runs one node until SIGINT or SIGTERM. Returns the process exit code:
// 0 after a clean shutdown, 1 when the node could not start (the reason is
// printed to stderr).
int run(const node_options& opts);

} // namespace tidewire::node
