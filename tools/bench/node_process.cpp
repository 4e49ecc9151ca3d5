#include "node_process.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tidewire::bench {

namespace {

constexpr std::string_view ready_prefix = "tidewire listening on http://";

// "HOST:PORT" after the ready prefix; false if the line is anything else.
bool parse_ready_line(std::string_view line, node_address* out) {
  if (line.substr(0, ready_prefix.size()) != ready_prefix)
    return false;
  auto rest = line.substr(ready_prefix.size());
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  auto port = rest.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(),
                                   out->port);
  out->host = std::string{rest.substr(0, colon)};
  return ec == std::errc{} && ptr == port.data() + port.size()
         && out->port != 0;
}

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string{"died of signal "} + strsignal(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

std::string last_lines(const std::vector<std::string>& lines, size_t n) {
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out;
}

} // namespace

node_process::~node_process() {
  stop(std::chrono::seconds(10));
}

bool node_process::start(const std::string& binary,
                         const std::vector<std::string>& extra_flags,
                         std::chrono::milliseconds timeout,
                         std::string* error) {
  auto tmpl = (std::filesystem::temp_directory_path() / "tidewire-ws-bench-XXXXXX")
                .string();
  if (!mkdtemp(tmpl.data())) {
    *error = "cannot create a temporary directory: "
             + std::string{strerror(errno)};
    return false;
  }
  dir_ = tmpl;
  command_ = {binary,         "--host=127.0.0.1",
              "--port=0",     "--simulate=false",
              "--data-dir=" + dir_ + "/data", "--durability=wal",
              // A benchmark is a flood by design, all from one address: the
              // per-connection message limit and the per-address connection
              // limit would measure themselves.
              "--max-messages-per-s=10000000",
              "--max-connections-per-ip=10000000",
              // 10 000 subscribers and a publisher pass the default node cap
              // (the node still lowers it to its open-file limit).
              "--max-connections=10000000"};
  command_.insert(command_.end(), extra_flags.begin(), extra_flags.end());
  std::vector<char*> argv;
  for (auto& arg : command_)
    argv.push_back(arg.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    *error = "pipe: " + std::string{strerror(errno)};
    return false;
  }
  auto log_path = dir_ + "/node.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(),
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  stdout_fd_ = out[0];
  if (rc != 0) {
    pid_ = -1;
    *error = "cannot start " + binary + ": " + strerror(rc);
    stop(std::chrono::milliseconds(0));
    return false;
  }

  // The ready line is the only thing the node prints on stdout.
  std::string line, failure;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = left.count() > 0
                  ? poll(&pfd, 1, static_cast<int>(left.count()))
                  : 0;
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0) {
      failure = "no ready line within " + std::to_string(timeout.count()) + " ms";
      break;
    }
    char buf[256];
    auto n = read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      failure = "the node closed its stdout before it was ready";
      break;
    }
    line.append(buf, static_cast<size_t>(n));
  }
  if (failure.empty()
      && !parse_ready_line(line.substr(0, line.find('\n')), &address_))
    failure = "unexpected ready line: " + line.substr(0, line.find('\n'));
  if (failure.empty())
    return true;
  auto why = stop(std::chrono::seconds(5));
  *error = failure + (why.empty() ? "" : "; it " + why) + last_lines(log_, 5);
  return false;
}

std::string node_process::stop(std::chrono::milliseconds timeout) {
  std::string result;
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    // A short poll, bounded by the deadline: the node drains its clients
    // and closes the store before it exits.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(pid_, &status, WNOHANG)) == 0
           && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (done == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      result = "did not exit within " + std::to_string(timeout.count())
               + " ms of SIGTERM and was killed";
    } else if (done < 0) {
      result = "waitpid: " + std::string{strerror(errno)};
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      result = describe_status(status) + " after SIGTERM";
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (!dir_.empty()) {
    read_log();
    std::error_code ec; // a leftover temp dir is not worth failing a run
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  return result;
}

double node_process::cpu_seconds() const {
  if (pid_ <= 0)
    return 0;
  std::ifstream in{"/proc/" + std::to_string(pid_) + "/stat"};
  std::string stat;
  std::getline(in, stat);
  // The command name may hold spaces; the fields after it are numbered from
  // 3 (state), so utime and stime are the 12th and 13th after the ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream fields{stat.substr(close + 2)};
  std::string skip;
  for (int i = 0; i < 11 && fields >> skip; ++i) {
  }
  double utime = 0, stime = 0;
  if (!(fields >> utime >> stime))
    return 0;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

uint64_t node_process::rss_bytes() const {
  if (pid_ <= 0)
    return 0;
  std::ifstream in{"/proc/" + std::to_string(pid_) + "/status"};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0)
      continue;
    uint64_t kib = 0;
    auto digits = line.find_first_of("0123456789");
    if (digits == std::string::npos)
      return 0;
    std::from_chars(line.data() + digits, line.data() + line.size(), kib);
    return kib * 1024;
  }
  return 0;
}

void node_process::read_log() {
  log_.clear();
  std::ifstream in{dir_ + "/node.log"};
  std::string line;
  while (std::getline(in, line))
    log_.push_back(line);
}

} // namespace tidewire::bench
