#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tidewire::bench {

struct node_address {
  std::string host;
  uint16_t port = 0;
};

// One tidewire node started for a benchmark run, with a fresh temporary
// data directory; its stderr goes to a log file beside the data.
//
//   start() ─▶ posix_spawn ─▶ stdout: "tidewire listening on http://H:P"
//   stop()  ─▶ SIGTERM ─▶ waitpid (bounded; SIGKILL past it) ─▶ temp dir gone
//
// Used from one thread. The destructor stops a node that is still running.
class node_process {
public:
  node_process() = default;
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;
  ~node_process();

  // Starts `binary` with the bench's flags followed by `extra_flags` (a
  // later flag overrides an earlier one). False with a message in *error,
  // the node's stderr included, if it printed no ready line within `timeout`.
  bool start(const std::string& binary,
             const std::vector<std::string>& extra_flags,
             std::chrono::milliseconds timeout, std::string* error);

  // SIGTERM, then waits up to `timeout` for the exit. Returns "" when the
  // node exited 0, else what happened. Keeps the node's stderr for log() and
  // removes the temporary directory.
  std::string stop(std::chrono::milliseconds timeout);

  const node_address& address() const {
    return address_;
  }

  // The command line, for the report.
  const std::vector<std::string>& command() const {
    return command_;
  }

  // The node's resident set (VmRSS in /proc/PID/status); 0 if unreadable.
  uint64_t rss_bytes() const;

  // CPU time the node used so far, user plus system (/proc/PID/stat);
  // 0 if unreadable.
  double cpu_seconds() const;

  // What the node wrote to stderr, one entry a line; complete after stop().
  const std::vector<std::string>& log() const {
    return log_;
  }

private:
  void read_log();

  pid_t pid_ = -1;
  int stdout_fd_ = -1; // kept open so a late write to stdout cannot SIGPIPE it
  std::string dir_;
  node_address address_;
  std::vector<std::string> command_;
  std::vector<std::string> log_;
};

} // namespace tidewire::bench
