#pragma once

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "tools/node/options.hpp"

namespace tidewire::node {

// The cluster-facing actors of a node (actors/cluster/): `membership` for
// local listeners, `node` published on the cluster port (invalid without
// cluster mode). They are linked: stopping membership stops both.
struct cluster_handles {
  caf::actor membership;
  caf::actor node;
};

// Before the actor system starts: in cluster mode, loads CAF's middleman
// and openssl modules with the TLS files, a heartbeat and a connection
// timeout, and registers the types that cross nodes. Nothing otherwise.
void configure_cluster(caf::actor_system_config& cfg, const cluster_options& c);

// Spawns membership and, in cluster mode, publishes the node actor on
// --cluster-host:--cluster-port. Errors are errc::unavailable with a
// readable message (the port is taken, the address is not local).
caf::expected<cluster_handles> start_cluster(caf::actor_system& sys,
                                             const cluster_options& c);

} // namespace tidewire::node
