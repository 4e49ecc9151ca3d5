#pragma once

#include "tools/node/flag_values.hpp"
#include "tools/node/options.hpp"

// The flags of the HTTP and WebSocket front (net::server_config): address,
// sizes, timeouts, authentication, Origin and the abuse limits.
namespace tidewire::node {

// Adds them to `flags`; they write into `opts.server`, `opts.auth`,
// `opts.jwt`, `opts.allow_anonymous` and the TLS file names.
void add_server_flags(flag_table& flags, node_options& opts);

// After parsing: loads the --tls-* files into opts.server.tls (both flags or
// neither) and the --auth=jwt key into opts.server.verifier; refuses
// --auth=none on a non-loopback --host without --allow-anonymous.
caf::error check_server(node_options& opts);

} // namespace tidewire::node
