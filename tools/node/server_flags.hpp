#pragma once

#include "tools/node/flag_values.hpp"
#include "tools/node/options.hpp"

// The flags of the HTTP and WebSocket front (net::server_config): address,
// sizes, timeouts, authentication, Origin and the abuse limits.
namespace tidewire::node {

// Adds them to `flags`; they write into `opts.server`, `opts.auth`,
// `opts.jwt` and `opts.allow_anonymous`.
void add_server_flags(flag_table& flags, node_options& opts);

} // namespace tidewire::node
