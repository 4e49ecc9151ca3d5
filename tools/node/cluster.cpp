#include "tools/node/cluster.hpp"

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/cluster/membership.hpp"
#include "actors/cluster/node_actor.hpp"
#include "actors/cluster/types.hpp"
#include "actors/errors.hpp"
#include "tools/node/handshake_watch.hpp"

namespace tidewire::node {

namespace {

// BASP handshakes of other programs (or other tidewire wire versions) are
// refused by CAF before any message is read.
constexpr const char* app_identifier = "tidewire-1";

// CAF 0.17 turns both off by default: without them a frozen peer (SIGSTOP,
// a half-open connection) stays "up" until TCP gives up, minutes later.
// Each node sends a heartbeat every interval and drops a connection that
// sent nothing for the timeout: a frozen peer is seen down within
// timeout + interval.
constexpr auto heartbeat_interval = std::chrono::milliseconds(500);
constexpr auto connection_timeout = std::chrono::milliseconds(2500);

} // namespace

void configure_cluster(caf::actor_system_config& cfg,
                       const cluster_options& c) {
  if (!c.enabled)
    return;
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  // Any of these set makes caf::openssl require and verify a certificate on
  // both ends of every connection (SSL_VERIFY_PEER and
  // SSL_VERIFY_FAIL_IF_NO_PEER_CERT), against the cluster CA only.
  cfg.openssl_certificate = c.cert_file;
  cfg.openssl_key = c.key_file;
  cfg.openssl_cafile = c.ca_file;
  cfg.set("middleman.app-identifiers",
          std::vector<std::string>{app_identifier});
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat_interval});
  cfg.set("middleman.connection-timeout", caf::timespan{connection_timeout});
  cluster::register_cluster_types(cfg);
}

caf::expected<cluster_handles> start_cluster(caf::actor_system& sys,
                                             const cluster_options& c) {
  if (!c.enabled)
    return cluster_handles{
      cluster::spawn_membership(sys, c.settings, caf::actor{}, caf::actor{}),
      caf::actor{}};
  auto node = cluster::spawn_node_actor(sys, c.settings.node_name);
  auto connector = caf::actor_cast<caf::actor>(
    sys.openssl_manager().actor_handle());
  auto membership = cluster::spawn_membership(sys, c.settings, connector, node);
  // Before the port opens: every accepted handshake is watched. It stops
  // with membership (the node stops that, and waits for every actor).
  auto watch = spawn_handshake_watch(sys, handshake_timeout);
  membership->attach_functor([watch] {
    caf::anon_send_exit(watch, caf::exit_reason::user_shutdown);
  });
  auto& self = c.settings.self;
  // SO_REUSEADDR: a node restarted at once must not wait for the old
  // connections' TIME_WAIT (it never allows two listeners on one port).
  auto port = caf::openssl::publish(node, self.port, self.host.c_str(), true);
  if (!port) {
    caf::anon_send_exit(membership, caf::exit_reason::user_shutdown);
    return make_error(errc::unavailable, "cannot listen on cluster port "
                                           + self.to_string() + ": "
                                           + sys.render(port.error()));
  }
  std::cerr << "tidewire: cluster: node " << c.settings.node_name << " on "
            << self.to_string() << ", " << c.settings.configured()
            << " configured members\n";
  return cluster_handles{membership, node};
}

} // namespace tidewire::node
