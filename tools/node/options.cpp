#include "tools/node/options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "tools/node/cluster_tls.hpp"
#include "net/http_rules.hpp"

namespace tidewire::node {

namespace {

using json = nlohmann::json;

caf::error bad(std::string message) {
  return make_error(errc::bad_request, std::move(message));
}

template <class T>
caf::error parse_number(const std::string& flag, const std::string& text,
                        T min, T max, T& out) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min
      || value > max)
    return bad("--" + flag + " expects a number from " + std::to_string(min)
               + " to " + std::to_string(max) + ", got '" + text + "'");
  out = value;
  return {};
}

caf::error parse_seconds(const std::string& flag, const std::string& text,
                         std::chrono::seconds& out) {
  int64_t seconds = 0;
  if (auto err = parse_number<int64_t>(flag, text, 1, 86'400, seconds))
    return err;
  out = std::chrono::seconds{seconds};
  return {};
}

caf::error parse_bool(const std::string& flag, const std::string& text,
                      bool& out) {
  if (text == "true" || text == "1" || text == "yes") {
    out = true;
    return {};
  }
  if (text == "false" || text == "0" || text == "no") {
    out = false;
    return {};
  }
  return bad("--" + flag + " expects true or false, got '" + text + "'");
}

// "host:port", "[v6]:port".
caf::error parse_address(const std::string& flag, const std::string& text,
                         cluster::address& out) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return bad("--" + flag + " expects HOST:PORT, got '" + text + "'");
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host.find_first_of("[] ,") != std::string::npos)
    return bad("--" + flag + " expects HOST:PORT, got '" + text + "'");
  uint16_t port = 0;
  if (auto err = parse_number<uint16_t>(flag, text.substr(colon + 1), 1, 65535,
                                        port))
    return bad("--" + flag + " expects HOST:PORT with a port from 1 to "
               "65535, got '" + text + "'");
  out = cluster::address{std::move(host), port};
  return {};
}

caf::error parse_seeds(const std::string& flag, const std::string& text,
                       std::vector<cluster::address>& out) {
  out.clear();
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos
                                      ? std::string::npos
                                      : comma - start);
    cluster::address addr;
    if (auto err = parse_address(flag, item, addr))
      return err;
    if (std::find(out.begin(), out.end(), addr) != out.end())
      return bad("--" + flag + " lists " + addr.to_string() + " twice");
    out.push_back(std::move(addr));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return {};
}

// Node names travel in hellos, JSON and metric labels.
bool valid_node_name(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'
           || c == '-';
  });
}

// The cluster flags hang together: --cluster-port turns cluster mode on and
// needs a name and the TLS files, since the port must never be open to a
// peer without a certificate of the cluster CA.
caf::error check_cluster(const std::set<std::string>& given,
                         const std::string& node_name, cluster_options& c) {
  if (!given.count("cluster-port")) {
    for (auto flag : {"seeds", "cluster-host", "cluster-cert", "cluster-key",
                      "cluster-ca"})
      if (given.count(flag))
        return bad(std::string{"--"} + flag + " needs --cluster-port");
    return {};
  }
  std::string missing;
  for (auto flag : {"cluster-cert", "cluster-key", "cluster-ca"})
    if (!given.count(flag))
      missing += std::string{missing.empty() ? "" : ", "} + "--" + flag;
  if (!missing.empty())
    return bad("--cluster-port needs " + missing
               + ": the cluster port only takes mutual TLS with certificates "
                 "of the cluster CA (PEM files; see "
                 "scripts/make-cluster-certs.sh)");
  if (node_name.empty())
    return bad("--cluster-port needs --node-name (unique in the cluster)");
  for (auto& seed : c.settings.seeds)
    if (seed == c.settings.self)
      return bad("--seeds lists this node's own cluster port "
                 + seed.to_string());
  c.enabled = true;
  return {};
}

// Reads the --config file: {"channels": [...], "sources": {...}}.
caf::error load_config_file(const std::string& path, node_options& opts) {
  std::ifstream in{path};
  if (!in)
    return bad("cannot read config file " + path);
  auto doc = json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return bad("config file " + path + " is not a JSON object");
  try {
    std::vector<channel_decl> declared;
    for (auto& c : doc.value("channels", json::array())) {
      channel_decl decl;
      decl.pattern = c.at("pattern").get<std::string>();
      decl.kind = c.value("kind", "stream");
      if (decl.kind != "stream" && decl.kind != "state")
        return bad(path + ": channel " + decl.pattern
                   + ": kind must be stream or state");
      decl.retention_count = c.value("retention_count", decl.retention_count);
      if (c.contains("retention_age_s"))
        decl.retention_age = std::chrono::seconds(
          c.at("retention_age_s").get<int64_t>());
      declared.push_back(std::move(decl));
    }
    // Declarations from the file come first, so they override the defaults.
    declared.insert(declared.end(), opts.decls.begin(), opts.decls.end());
    opts.decls = std::move(declared);
    if (auto sources = doc.find("sources"); sources != doc.end())
      for (auto& [name, s] : sources->items())
        opts.sources.intervals[name] = std::chrono::milliseconds(
          s.at("interval_ms").get<int64_t>());
    if (auto seed = doc.find("seed"); seed != doc.end())
      opts.sources.seed = seed->get<uint64_t>();
  } catch (const json::exception& e) {
    return bad("config file " + path + ": " + e.what());
  }
  return {};
}

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

const char* usage() {
  return R"(usage: tidewire [--name=value ...]

  --host=ADDR            address to listen on (127.0.0.1)
  --port=N               HTTP and WebSocket port, 0 for any free one (8080)
  --data-dir=DIR         replay store directory (./var/data)
  --durability=MODE      none | wal | sync (wal)
  --simulate=BOOL        run the demo market data sources (true)
  --web-root=DIR         static files served at / (web)
  --config=FILE          JSON file: channel patterns, source intervals
  --node-name=NAME       name sent to clients in `welcome` and to cluster
                         peers; [A-Za-z0-9_.-]{1,64} (tidewire-PORT)
  --max-frame=BYTES      largest client message and HTTP publish body (65536)
  --queue-bytes=BYTES    per-client outbound bytes before close 1013 (4194304)
  --heartbeat-ms=N       client heartbeat interval announced in `welcome` (15000)
  --io-threads=N         network threads (2)
  --idle-timeout-s=N     close an HTTP connection or WebSocket silent this long (30)
  --handshake-timeout-s=N
                         WebSocket opening and closing handshake limit (10)
  --http-body-limit=BYTES
                         largest HTTP request body, 413 above (1048576)
  --max-publishes-in-flight=N
                         unacknowledged publishes per client before
                         rate_limited (256)
  --max-pending-publishes=N
                         publishes queued per channel behind its store write
                         before rate_limited / 429 (8192)
  --idempotency-window-s=N
                         a publish repeating a key seen this recently gets
                         the first one's seq (600)
  --idempotency-keys=N   keys remembered per channel within the window (10000)
  --max-state-bytes=BYTES
                         largest state channel document; publishes past it
                         get too_large (1048576)
  --max-subscriptions=N  channels one client may subscribe to at once (1024)
  --max-channels=N       channels a node holds before new names from `*`
                         patterns get rate_limited / 429 (100000)
  --scheduler-threads=N  actor scheduler threads (2)
  --scheduler-throughput=N
                         messages an actor handles before yielding (300)
  --scheduler-polls=N[,M]
                         times an idle scheduler thread polls for work
                         without sleeping (N, 10), then with 50 us sleeps
                         (M, 0), before it waits to be woken
  --cluster-port=N       join a cluster: publish this node on port N of
                         --cluster-host (needs --node-name and the three
                         --cluster-* TLS files)
  --cluster-host=ADDR    address the cluster port binds to (127.0.0.1)
  --seeds=HOST:PORT,...  cluster ports of the other configured members; all
                         configured members define the majority
  --replication=MODE     sync | async: acknowledge a publish after the
                         replica has it, or after the owner has it (sync)
  --cluster-cert=FILE    this node's certificate (PEM)
  --cluster-key=FILE     its private key (PEM)
  --cluster-ca=FILE      the cluster CA certificate (PEM); peers must present
                         a certificate it signed
  --auth=MODE            none | jwt (none; none needs a loopback --host
                         or --allow-anonymous)
  --jwt-secret-file=FILE HS256 secret (at least 32 bytes)
  --jwt-public-key-file=FILE
                         RS256 or ES256 PEM public key
  --jwt-audience=AUD     required `aud` claim (none)
  --jwt-issuer=ISS       required `iss` claim (none)
  --auth-timeout-s=N     close a WebSocket without a valid token after (10)
  --allow-anonymous      allow --auth=none on a non-loopback --host
  --allowed-origins=LIST comma-separated origins (https://app.example) allowed
                         besides the node's own to open WebSockets and make
                         CORS requests (none)
  --max-connections=N    open connections per node; 503 above (10000, at
                         most the descriptor limit less a reserve)
  --max-connections-per-ip=N
                         open connections per client address; 429 above (256)
  --max-messages-per-s=N client messages per WebSocket per second before
                         rate_limited, then close 1008 (10000)
  --write-timeout-s=N    close a client that does not take a write this long (20)
  --help                 this text
)";
}

caf::expected<node_options> parse_options(const std::vector<std::string>& args) {
  node_options opts;
  opts.decls = default_channel_decls();
  std::string config_path;
  std::string node_name;
  auto& cluster = opts.cluster;
  using setter = std::function<caf::error(const std::string&, const std::string&)>;
  auto text = [](std::string& out) -> setter {
    return [&out](const std::string& flag, const std::string& v) -> caf::error {
      if (v.empty())
        return bad("--" + flag + " needs a value");
      out = v;
      return {};
    };
  };
  std::map<std::string, setter> flags{
    {"host", text(opts.server.host)},
    {"port",
     [&](auto& f, auto& v) {
       return parse_number<uint16_t>(f, v, 0, 65535, opts.server.port);
     }},
    {"data-dir", text(opts.data_dir)},
    {"durability",
     [&](auto& f, auto& v) -> caf::error {
       if (v == "none")
         opts.durability = storage::durability::none;
       else if (v == "wal")
         opts.durability = storage::durability::wal;
       else if (v == "sync")
         opts.durability = storage::durability::sync;
       else
         return bad("--durability expects none, wal or sync, got '" + v + "'");
       return {};
     }},
    {"simulate",
     [&](auto& f, auto& v) { return parse_bool(f, v, opts.sources.enabled); }},
    {"web-root", text(opts.server.web_root)},
    {"config", text(config_path)},
    {"node-name", text(node_name)},
    {"max-frame",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 256, 64 * 1024 * 1024,
                                   opts.server.max_frame);
     }},
    {"queue-bytes",
     [&](auto& f, auto& v) {
       return parse_number<uint64_t>(f, v, 1024, uint64_t{1} << 34,
                                     opts.server.session.queue_bytes);
     }},
    {"heartbeat-ms",
     [&](auto& f, auto& v) {
       return parse_number<uint32_t>(f, v, 100, 3'600'000,
                                     opts.server.session.heartbeat_ms);
     }},
    {"io-threads",
     [&](auto& f, auto& v) {
       return parse_number<int>(f, v, 1, 64, opts.server.io_threads);
     }},
    {"idle-timeout-s",
     [&](auto& f, auto& v) { return parse_seconds(f, v, opts.server.idle_timeout); }},
    {"handshake-timeout-s",
     [&](auto& f, auto& v) {
       return parse_seconds(f, v, opts.server.handshake_timeout);
     }},
    {"http-body-limit",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1024, size_t{1} << 30,
                                   opts.server.http_body_limit);
     }},
    {"max-publishes-in-flight",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 1'000'000,
                                   opts.server.session.max_publishes_in_flight);
     }},
    {"max-pending-publishes",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 10'000'000,
                                   opts.channel.max_pending);
     }},
    {"idempotency-window-s",
     [&](auto& f, auto& v) {
       uint64_t seconds = 0;
       if (auto err = parse_number<uint64_t>(f, v, 0, 30 * 86'400, seconds))
         return err;
       opts.channel.idempotency_window = std::chrono::seconds(seconds);
       return caf::error{};
     }},
    {"max-state-bytes",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1024, size_t{1} << 30,
                                   opts.channel.max_state_bytes);
     }},
    {"idempotency-keys",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 0, 10'000'000, opts.channel.max_keys);
     }},
    {"max-subscriptions",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 1'000'000,
                                   opts.server.session.max_subscriptions);
     }},
    {"max-channels",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 100'000'000, opts.max_channels);
     }},
    {"scheduler-threads",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 256, opts.scheduler.threads);
     }},
    {"scheduler-throughput",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 1'000'000,
                                   opts.scheduler.max_throughput);
     }},
    {"scheduler-polls",
     [&](auto& f, auto& v) -> caf::error {
       auto comma = v.find(',');
       if (auto err = parse_number<size_t>(f, v.substr(0, comma), 0, 1'000'000,
                                           opts.scheduler.aggressive_polls))
         return err;
       if (comma == std::string::npos)
         return {};
       return parse_number<size_t>(f, v.substr(comma + 1), 0, 1'000'000,
                                   opts.scheduler.moderate_polls);
     }},
    {"auth",
     [&](auto& f, auto& v) -> caf::error {
       if (v != "none" && v != "jwt")
         return bad("--auth expects none or jwt, got '" + v + "'");
       opts.auth = v;
       return {};
     }},
    {"jwt-secret-file", text(opts.jwt.secret_file)},
    {"jwt-public-key-file", text(opts.jwt.public_key_file)},
    {"jwt-audience", text(opts.jwt.audience)},
    {"jwt-issuer", text(opts.jwt.issuer)},
    {"auth-timeout-s",
     [&](auto& f, auto& v) { return parse_seconds(f, v, opts.server.auth_timeout); }},
    {"allow-anonymous",
     [&](auto& f, auto& v) { return parse_bool(f, v, opts.allow_anonymous); }},
    {"allowed-origins",
     [&](auto& f, auto& v) -> caf::error {
       std::string error;
       auto list = net::parse_allowed_origins(v, error);
       if (!list)
         return bad(error);
       opts.server.allowed_origins = std::move(*list);
       return {};
     }},
    {"max-connections",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 10'000'000,
                                   opts.server.max_connections);
     }},
    {"max-connections-per-ip",
     [&](auto& f, auto& v) {
       return parse_number<size_t>(f, v, 1, 10'000'000,
                                   opts.server.max_connections_per_ip);
     }},
    {"max-messages-per-s",
     [&](auto& f, auto& v) {
       return parse_number<uint32_t>(f, v, 1, 10'000'000,
                                     opts.server.max_messages_per_s);
     }},
    {"write-timeout-s",
     [&](auto& f, auto& v) { return parse_seconds(f, v, opts.server.write_timeout); }},
    {"cluster-port",
     [&](auto& f, auto& v) {
       return parse_number<uint16_t>(f, v, 1, 65535,
                                     cluster.settings.self.port);
     }},
    {"cluster-host", text(cluster.settings.self.host)},
    {"seeds",
     [&](auto& f, auto& v) { return parse_seeds(f, v, cluster.settings.seeds); }},
    {"replication",
     [&](auto& f, auto& v) -> caf::error {
       if (v == "sync")
         cluster.settings.replication = cluster::replication_mode::sync;
       else if (v == "async")
         cluster.settings.replication = cluster::replication_mode::async;
       else
         return bad("--replication expects sync or async, got '" + v + "'");
       return {};
     }},
    {"cluster-cert", text(cluster.cert_file)},
    {"cluster-key", text(cluster.key_file)},
    {"cluster-ca", text(cluster.ca_file)},
  };
  cluster.settings.self.host = "127.0.0.1";
  std::set<std::string> given;
  for (auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      opts.help = true;
      return opts;
    }
    if (arg.rfind("--", 0) != 0)
      return bad("unexpected argument '" + arg + "' (flags are --name=value)");
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    auto it = flags.find(name);
    if (it == flags.end())
      return bad("unknown flag --" + name + " (see --help)");
    if (eq == std::string::npos
        && (name == "simulate" || name == "allow-anonymous"))
      value = "true";
    if (auto err = it->second(name, value))
      return err;
    given.insert(name);
  }
  if (!node_name.empty() && !valid_node_name(node_name))
    return bad("--node-name expects 1 to 64 of [A-Za-z0-9_.-], got '"
               + node_name + "'");
  if (auto err = check_cluster(given, node_name, cluster))
    return err;
  if (cluster.enabled)
    if (auto err = check_cluster_tls(cluster.cert_file, cluster.key_file,
                                     cluster.ca_file))
      return err;
  if (!config_path.empty())
    if (auto err = load_config_file(config_path, opts))
      return err;
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
  opts.server.node_name = node_name.empty()
                            ? "tidewire-" + std::to_string(opts.server.port)
                            : node_name;
  cluster.settings.node_name = opts.server.node_name;
  return opts;
}

} // namespace tidewire::node
