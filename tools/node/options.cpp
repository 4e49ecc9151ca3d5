#include "tools/node/options.hpp"

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "tools/node/cluster_flags.hpp"
#include "tools/node/cluster_tls.hpp"
#include "tools/node/flag_values.hpp"
#include "tools/node/server_flags.hpp"

// The node-level flags (store, channels, sources, scheduler), the --config
// file and the checks across groups; the server and cluster flags are in
// server_flags.cpp and cluster_flags.cpp, the --help text in usage.cpp.
namespace tidewire::node {

namespace {

using json = nlohmann::json;

// Node names travel in hellos, JSON and metric labels.
bool valid_node_name(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'
           || c == '-';
  });
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

void add_node_flags(flag_table& flags, node_options& opts,
                    std::string& config_path, std::string& node_name) {
  flags["data-dir"] = text_flag(opts.data_dir);
  flags["durability"] = [&opts](auto&, auto& v) -> caf::error {
    if (v == "none")
      opts.durability = storage::durability::none;
    else if (v == "wal")
      opts.durability = storage::durability::wal;
    else if (v == "sync")
      opts.durability = storage::durability::sync;
    else
      return bad("--durability expects none, wal or sync, got '" + v + "'");
    return {};
  };
  flags["min-free-mb"] = number_flag<uint64_t>(opts.min_free_mb, 0,
                                               uint64_t{1} << 30);
  flags["simulate"] = [&opts](auto& f, auto& v) {
    return parse_bool(f, v, opts.sources.enabled);
  };
  flags["config"] = text_flag(config_path);
  flags["node-name"] = text_flag(node_name);
  auto& ch = opts.channel;
  flags["max-pending-publishes"] = number_flag<size_t>(ch.max_pending, 1,
                                                       10'000'000);
  flags["idempotency-window-s"] = [&ch](auto& f, auto& v) {
    uint64_t seconds = 0;
    if (auto err = parse_number<uint64_t>(f, v, 0, 30 * 86'400, seconds))
      return err;
    ch.idempotency_window = std::chrono::seconds(seconds);
    return caf::error{};
  };
  flags["ring-bytes"] = number_flag<size_t>(ch.ring_bytes, 0,
                                            size_t{1} << 40);
  flags["max-state-bytes"] = number_flag<size_t>(ch.max_state_bytes, 1024,
                                                 size_t{1} << 30);
  flags["state-snapshot-every"] = number_flag<uint64_t>(
    ch.state_snapshot_every, 1, 10'000'000);
  flags["idempotency-keys"] = number_flag<size_t>(ch.max_keys, 0, 10'000'000);
  flags["max-channels"] = number_flag<size_t>(opts.max_channels, 1,
                                              100'000'000);
  flags["channel-idle-s"] = [&opts](auto& f, auto& v) {
    int64_t seconds = 0;
    if (auto err = parse_number<int64_t>(f, v, 0, 30 * 86'400, seconds))
      return err;
    opts.channel_idle = std::chrono::seconds{seconds};
    return caf::error{};
  };
  auto& sched = opts.scheduler;
  flags["scheduler-threads"] = number_flag<size_t>(sched.threads, 1, 256);
  flags["scheduler-throughput"] = number_flag<size_t>(sched.max_throughput, 1,
                                                      1'000'000);
  flags["scheduler-polls"] = [&sched](auto& f, auto& v) -> caf::error {
    auto comma = v.find(',');
    if (auto err = parse_number<size_t>(f, v.substr(0, comma), 0, 1'000'000,
                                        sched.aggressive_polls))
      return err;
    if (comma == std::string::npos)
      return {};
    return parse_number<size_t>(f, v.substr(comma + 1), 0, 1'000'000,
                                sched.moderate_polls);
  };
}

} // namespace

caf::expected<node_options> parse_options(const std::vector<std::string>& args) {
  node_options opts;
  opts.decls = default_channel_decls();
  std::string config_path;
  std::string node_name;
  auto& cluster = opts.cluster;
  flag_table flags;
  add_node_flags(flags, opts, config_path, node_name);
  add_server_flags(flags, opts);
  add_cluster_flags(flags, cluster);
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
  if (auto err = check_server(opts))
    return err;
  opts.server.node_name = node_name.empty()
                            ? "tidewire-" + std::to_string(opts.server.port)
                            : node_name;
  cluster.settings.node_name = opts.server.node_name;
  return opts;
}

size_t default_scheduler_threads() {
  // The CPUs this process may run on (taskset, container CPU sets), not
  // all the machine has.
  cpu_set_t set;
  CPU_ZERO(&set);
  int cores = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                           : 0;
  return cores > 0 && cores <= 2 ? 1 : 2;
}

} // namespace tidewire::node
