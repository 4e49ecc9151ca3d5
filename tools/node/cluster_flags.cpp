#include "tools/node/cluster_flags.hpp"

#include <algorithm>

namespace tidewire::node {

namespace {

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

} // namespace

void add_cluster_flags(flag_table& flags, cluster_options& c) {
  c.settings.self.host = "127.0.0.1";
  flags["cluster-port"] = number_flag<uint16_t>(c.settings.self.port, 1, 65535);
  flags["cluster-host"] = text_flag(c.settings.self.host);
  flags["seeds"] = [&c](auto& f, auto& v) {
    return parse_seeds(f, v, c.settings.seeds);
  };
  flags["replication"] = [&c](auto&, auto& v) -> caf::error {
    if (v == "sync")
      c.settings.replication = cluster::replication_mode::sync;
    else if (v == "async")
      c.settings.replication = cluster::replication_mode::async;
    else
      return bad("--replication expects sync or async, got '" + v + "'");
    return {};
  };
  flags["cluster-cert"] = text_flag(c.cert_file);
  flags["cluster-key"] = text_flag(c.key_file);
  flags["cluster-ca"] = text_flag(c.ca_file);
}

// The port must never be open to a peer without a certificate of the
// cluster CA, hence the TLS files are required.
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

} // namespace tidewire::node
