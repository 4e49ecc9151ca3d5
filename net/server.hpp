#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/config.hpp"
#include "actors/auth/verifier.hpp"
#include "net/tls_context.hpp"

// The HTTP + WebSocket front of a node. Beast and Asio stay behind the pimpl:
// including this header costs nothing but CAF.
//
//   listener ──accept──▶ http_session ──GET /ws──▶ websocket_session ◀──▶ session actor
//                           │ static files, /healthz, /readyz, /metrics
//                           ├ /api/v1/channels... ──tidewire::api──▶ directory / channels
//                           └ /api/v1/cluster ──tidewire::api──▶ membership
namespace tidewire::net {

// Limits and addresses of the server; defaults documented in
// docs/operations.md.
struct server_config {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;               // 0: an ephemeral port, see start()
  std::string web_root = "web";       // static files served under /
  std::string node_name;              // sent in `welcome`
  size_t max_frame = 64 * 1024;       // largest client WebSocket message (close 1009 above)
                                      // and largest HTTP publish body (413 above)
  size_t http_body_limit = 1024 * 1024; // any HTTP request body
  session_limits session;             // handed to every session actor
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds idle_timeout{30}; // WebSocket idle, with keep-alive pings
  bool permessage_deflate = false;
  int io_threads = 2;
  // Origins besides the node's own that may open a WebSocket or make a CORS
  // request (scheme://host[:port], lower case); any other Origin gets 403.
  std::vector<std::string> allowed_origins;
  // --auth=jwt: the token verifier; null for --auth=none.
  std::shared_ptr<const auth::verifier> verifier;
  // A WebSocket without a valid token is closed with 1008 after this long.
  std::chrono::seconds auth_timeout{10};
  // `auth_expiring` is sent this long before the token's `exp` (or at once
  // when less is left).
  std::chrono::seconds auth_warning{30};
  // Limits that hold under abuse (docs/security.md).
  size_t max_connections = 10'000;       // open TCP connections per node
  size_t max_connections_per_ip = 256;   // open TCP connections per client IP
  uint32_t max_messages_per_s = 10'000; // WebSocket messages per connection, burst 2 s
  std::chrono::seconds write_timeout{20}; // one write to a client, then close
  // --tls-cert-file / --tls-key-file: https and wss on the port; null for
  // plain http and ws.
  std::shared_ptr<tls_context> tls;
};

// Owns the io_context, its threads, the listener and the registry of live
// WebSocket sessions. All members are called from the owning (main) thread,
// except set_ready(), which may be called from any thread.
class server {
public:
  // `membership` answers /api/v1/cluster, /readyz (quorum) and the member
  // series of /metrics (actors/cluster/membership.hpp).
  server(caf::actor_system& sys, caf::actor directory, caf::actor membership,
         server_config cfg);
  ~server(); // stop()s if still running

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds, listens and starts the io threads. Returns the bound port (the
  // real one when cfg.port is 0), or errc::unavailable with a readable
  // message ("cannot listen on 127.0.0.1:8080: Address already in use").
  caf::expected<uint16_t> start();

  // /readyz answers 200 only while ready, not draining and with quorum.
  void set_ready(bool ready);

  // Readiness off, stops accepting, closes every WebSocket with 1001 "node
  // shutting down" and waits (at most ~2 s) until they are closed.
  void drain();

  // Stops the io_context and joins the io threads. Idempotent.
  void stop();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace tidewire::net
