#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "node_process.hpp"

namespace tidewire::bench {

// Gives each scenario run a fresh node (or all of them the running node of
// --connect) and keeps what the nodes wrote to stderr, their shutdown line
// aside. Used from the main thread.
class node_runs {
public:
  // `connect.port == 0`: start `binary` with `extra_flags` for every run.
  node_runs(std::string binary, std::vector<std::string> extra_flags,
            node_address connect)
    : binary_(std::move(binary)), extra_flags_(std::move(extra_flags)),
      connect_(std::move(connect)) {
  }

  // Calls `run(address, node)`, which returns a Result (a struct with an
  // `error` string); `node` is null with --connect. When the node does not
  // start, the Result is default-constructed with only the error set; a node
  // that does not stop cleanly turns a good Result into an error.
  template <class Result, class Run>
  Result with_node(const std::string& label, Run run) {
    if (connect_.port != 0)
      return run(connect_, static_cast<const node_process*>(nullptr));
    Result result;
    node_process node;
    std::string error;
    if (!node.start(binary_, extra_flags_, start_timeout, &error)) {
      result.error = "node: " + error;
      return result;
    }
    if (command_.empty())
      for (const auto& word : node.command())
        command_ += (command_.empty() ? "" : " ") + word;
    result = run(node.address(), &node);
    auto stopped = node.stop(stop_timeout);
    if (!stopped.empty() && result.error.empty())
      result.error = "node " + stopped;
    log_of log{label, 0, {}};
    for (const auto& line : node.log()) {
      if (line.find("shutting down") != std::string::npos)
        continue;
      if (++log.lines <= shown_lines)
        log.first.push_back(line);
    }
    if (log.lines > 0)
      logs_.push_back(std::move(log));
    return result;
  }

  // The node used: the first started node's command line, its temporary
  // data directory included, or the --connect address.
  std::string describe() const {
    if (connect_.port != 0)
      return "running at " + connect_.host + ":" + std::to_string(connect_.port);
    return command_.empty() ? binary_ + " (did not start)" : command_;
  }

  // What one run's node wrote to stderr (its shutdown line aside).
  struct log_of {
    std::string run;
    size_t lines;
    std::vector<std::string> first; // at most shown_lines
  };

  // Only runs whose node wrote something.
  const std::vector<log_of>& logs() const {
    return logs_;
  }

  // Enough of a log to see what went wrong without flooding the report.
  static constexpr size_t shown_lines = 3;

private:
  // Opening a fresh RocksDB store takes well under a second; a node that
  // needs longer to start or to drain is broken.
  static constexpr std::chrono::seconds start_timeout{20};
  static constexpr std::chrono::seconds stop_timeout{20};

  const std::string binary_;
  const std::vector<std::string> extra_flags_;
  const node_address connect_;
  std::string command_;
  std::vector<log_of> logs_;
};

} // namespace tidewire::bench
