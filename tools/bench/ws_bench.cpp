// ws_bench: what a user comparing tidewire with other real-time servers
// asks, measured end to end over real WebSockets on this machine: fan-out
// throughput and publish-to-receive latency, memory per connection, and
// HTTP publishing. Run by hand; not a test.
//
//   for each run: fresh node (own temp data dir) ─▶ scenario ─▶ SIGTERM
//     fanout  × subscribers: 1 publisher at --rate ─▶ node ─▶ N subscribers
//     memory  × subscribers: node RSS with 0, N idle subscribers, 0 again
//     http    × clients:     K connections POSTing back to back

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <sys/resource.h>

#include "measure.hpp"
#include "node_runs.hpp"
#include "ws_args.hpp"
#include "ws_scenario.hpp"
#include "ws_table.hpp"

using namespace tidewire;

namespace {

// Lifts the soft open-file limit to the hard one: every connection is a
// socket here, and another in the node, which inherits the limit.
rlim_t raise_open_files() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

std::string load_average() {
  double load[3];
  if (getloadavg(load, 3) != 3)
    return "?";
  return bench::fmt("%.2f", load[0]) + " " + bench::fmt("%.2f", load[1]) + " "
         + bench::fmt("%.2f", load[2]);
}

void print_logs(const std::vector<bench::node_runs::log_of>& logs) {
  std::cout << "\nnode stderr:" << (logs.empty() ? " nothing" : "") << '\n';
  for (const auto& log : logs) {
    std::cout << "  " << log.run << ": " << log.lines << " lines\n";
    for (const auto& line : log.first)
      std::cout << "    " << line << '\n';
  }
}

template <class Rows>
bool any_failed(const Rows& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const auto& r) { return !r.error.empty(); });
}

} // namespace

int main(int argc, char** argv) {
  bench::ws_args args;
  std::string error;
  if (!bench::parse_ws_args(argc, argv, &args, &error)) {
    std::cerr << "ws_bench: " << error << "\n\n" << bench::ws_usage();
    return 2;
  }
  if (args.help) {
    std::cout << bench::ws_usage();
    return 0;
  }
  auto files = raise_open_files();
  // The most sockets one run opens, and a margin for the rest.
  auto most = std::max(
    *std::max_element(args.subscribers.begin(), args.subscribers.end()) + 1,
    *std::max_element(args.http_clients.begin(), args.http_clients.end()));
  if (files < most + 64) {
    std::cerr << "ws_bench: the open-file limit is " << files << ", too low for "
              << most << " connections\n";
    return 1;
  }
  std::cout << "ws_bench: " << std::thread::hardware_concurrency()
            << " cores, load average " << load_average() << ", open files "
            << files << ", " << args.threads << " bench threads; channel "
            << args.channel << ", " << args.payload << " B updates, up to "
            << args.count << " publishes or " << args.seconds
            << " s per run, publisher window " << args.window << ", "
            << (args.msgpack ? "tidewire.v1.msgpack" : "tidewire.v1.json")
            << "\n\n";
  bench::run_limits limits{args.threads, args.timeout, args.connect_window,
                           args.msgpack};
  bench::node_runs runs{args.node, args.node_flags, args.connect};
  // Progress on stderr, so a long run shows where it is.
  auto done = [](const std::string& run, const std::string& error) {
    std::cerr << "  " << run << ": " << (error.empty() ? "ok" : error) << '\n';
  };

  std::vector<bench::fanout_result> fanout;
  for (auto n : args.fanout ? args.subscribers : std::vector<size_t>{}) {
    bench::fanout_params what{n, args.channel, args.rate, args.count,
                              args.seconds, args.payload, args.window};
    auto label = "fanout, " + std::to_string(n) + " subscribers";
    fanout.push_back(runs.with_node<bench::fanout_result>(
      label, [&](const bench::node_address& at, const bench::node_process*) {
        return bench::run_fanout(at, what, limits);
      }));
    fanout.back().what = what;
    done(label, fanout.back().error);
  }
  std::vector<bench::memory_result> memory;
  for (auto n : args.memory && args.connect.port == 0 ? args.subscribers
                                                    : std::vector<size_t>{}) {
    auto label = "memory, " + std::to_string(n) + " connections";
    memory.push_back(runs.with_node<bench::memory_result>(
      label, [&](const bench::node_address&, const bench::node_process* node) {
        return bench::run_memory(*node, n, args.channel, limits);
      }));
    memory.back().connections = n;
    done(label, memory.back().error);
  }
  std::vector<bench::storm_result> storm;
  for (auto n : args.storm ? args.subscribers : std::vector<size_t>{}) {
    bench::storm_params what{n, args.channel, args.behind, args.payload,
                             args.window};
    auto label = "storm, " + std::to_string(n) + " clients "
                 + std::to_string(args.behind) + " behind";
    storm.push_back(runs.with_node<bench::storm_result>(
      label, [&](const bench::node_address& at, const bench::node_process* node) {
        return bench::run_storm(at, node, what, limits);
      }));
    storm.back().what = what;
    done(label, storm.back().error);
  }
  std::vector<bench::http_result> http;
  for (auto k : args.http ? args.http_clients : std::vector<size_t>{}) {
    auto label = "http, " + std::to_string(k) + " connections";
    http.push_back(runs.with_node<bench::http_result>(
      label, [&](const bench::node_address& at, const bench::node_process*) {
        return bench::run_http(at, k, args.channel, args.count, args.seconds,
                               args.payload, limits);
      }));
    http.back().clients = k;
    done(label, http.back().error);
  }

  std::cout << "node: " << runs.describe() << "\n\n";
  if (!fanout.empty()) {
    std::cout << "Fan-out over WebSocket, one publisher at a target rate; "
                 "latency is publish sent to update received:\n\n";
    bench::print_table(std::cout, fanout);
  }
  if (!memory.empty()) {
    std::cout << "\nNode memory per idle subscribed connection:\n\n";
    bench::print_table(std::cout, memory);
  }
  if (!storm.empty()) {
    std::cout << "\nReconnect storm: N subscribers drop at once, K updates "
                 "are published, N resume at once (at most "
              << args.connect_window << " handshaking):"
                 "\n\n";
    bench::print_table(std::cout, storm);
  }
  if (!http.empty()) {
    std::cout << "\nPublishing over HTTP (POST), one request in flight per "
                 "connection, no subscribers:\n\n";
    bench::print_table(std::cout, http);
  }
  print_logs(runs.logs());
  std::cout << "load average after the runs: " << load_average() << '\n';
  return any_failed(fanout) || any_failed(memory) || any_failed(http)
             || any_failed(storm)
           ? 1
           : 0;
}
