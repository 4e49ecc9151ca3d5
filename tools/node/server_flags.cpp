#include "tools/node/server_flags.hpp"

#include "net/http_rules.hpp"
#include "net/tls_context.hpp"

namespace tidewire::node {

namespace {

// Loopback: 127.0.0.0/8, ::1, localhost. Anything else may be reachable
// from other machines.
bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]")
    return true;
  if (host.rfind("127.", 0) != 0)
    return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

} // namespace

void add_server_flags(flag_table& flags, node_options& opts) {
  auto& s = opts.server;
  auto seconds = [](std::chrono::seconds& out) -> flag_setter {
    return [&out](auto& f, auto& v) { return parse_seconds(f, v, out); };
  };
  flags["host"] = text_flag(s.host);
  flags["port"] = number_flag<uint16_t>(s.port, 0, 65535);
  flags["web-root"] = text_flag(s.web_root);
  flags["max-frame"] = number_flag<size_t>(s.max_frame, 256, 64 * 1024 * 1024);
  flags["queue-bytes"] = number_flag<uint64_t>(s.session.queue_bytes, 1024,
                                               uint64_t{1} << 34);
  flags["heartbeat-ms"] = number_flag<uint32_t>(s.session.heartbeat_ms, 100,
                                                3'600'000);
  flags["io-threads"] = number_flag<int>(s.io_threads, 1, 64);
  flags["idle-timeout-s"] = seconds(s.idle_timeout);
  flags["handshake-timeout-s"] = seconds(s.handshake_timeout);
  flags["http-body-limit"] = number_flag<size_t>(s.http_body_limit, 1024,
                                                 size_t{1} << 30);
  flags["max-publishes-in-flight"] =
    number_flag<size_t>(s.session.max_publishes_in_flight, 1, 1'000'000);
  flags["max-subscriptions"] =
    number_flag<size_t>(s.session.max_subscriptions, 1, 1'000'000);
  flags["auth"] = [&opts](auto&, auto& v) -> caf::error {
    if (v != "none" && v != "jwt")
      return bad("--auth expects none or jwt, got '" + v + "'");
    opts.auth = v;
    return {};
  };
  flags["jwt-secret-file"] = text_flag(opts.jwt.secret_file);
  flags["jwt-public-key-file"] = text_flag(opts.jwt.public_key_file);
  flags["jwt-audience"] = text_flag(opts.jwt.audience);
  flags["jwt-issuer"] = text_flag(opts.jwt.issuer);
  flags["auth-timeout-s"] = seconds(s.auth_timeout);
  flags["allow-anonymous"] = [&opts](auto& f, auto& v) {
    return parse_bool(f, v, opts.allow_anonymous);
  };
  flags["allowed-origins"] = [&s](auto&, auto& v) -> caf::error {
    std::string error;
    auto list = net::parse_allowed_origins(v, error);
    if (!list)
      return bad(error);
    s.allowed_origins = std::move(*list);
    return {};
  };
  flags["max-connections"] = number_flag<size_t>(s.max_connections, 1,
                                                 10'000'000);
  flags["max-connections-per-ip"] =
    number_flag<size_t>(s.max_connections_per_ip, 1, 10'000'000);
  flags["max-messages-per-s"] = number_flag<uint32_t>(s.max_messages_per_s, 1,
                                                      10'000'000);
  flags["write-timeout-s"] = seconds(s.write_timeout);
  flags["tls-cert-file"] = text_flag(opts.tls_cert_file);
  flags["tls-key-file"] = text_flag(opts.tls_key_file);
}

caf::error check_server(node_options& opts) {
  if (opts.tls_cert_file.empty() != opts.tls_key_file.empty())
    return bad("--tls-cert-file and --tls-key-file go together: give both "
               "(PEM certificate and its unencrypted private key) or neither");
  if (!opts.tls_cert_file.empty()) {
    std::string error;
    opts.server.tls = net::load_tls_context(opts.tls_cert_file,
                                            opts.tls_key_file, error);
    if (!opts.server.tls)
      return bad(error);
  }
  if (opts.auth == "jwt") {
    std::string error;
    opts.server.verifier = auth::verifier::load(opts.jwt, error);
    if (!opts.server.verifier)
      return bad(error);
  } else if (!opts.jwt.secret_file.empty() || !opts.jwt.public_key_file.empty()) {
    return bad("--jwt-secret-file and --jwt-public-key-file need --auth=jwt");
  } else if (!is_loopback(opts.server.host) && !opts.allow_anonymous) {
    return bad("--host=" + opts.server.host
               + " is reachable from other machines and --auth=none lets "
                 "anyone there read and publish: use --auth=jwt, or "
                 "--allow-anonymous to accept that");
  }
  return {};
}

} // namespace tidewire::node
