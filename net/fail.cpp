#include "net/fail.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <sstream>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// A line kind (what + error) may write a burst of 5 lines, then one every
// 2 s (a cell-rate limiter: one atomic "theoretical arrival time" per kind);
// the rest are counted and reported with the next line of that kind. Without
// it, one client repeating a bad input writes a line each time and a busy
// node floods its log (and its disk).
constexpr int64_t line_interval_ms = 2000;
constexpr int64_t line_burst = 5;

// Kinds hash into a fixed table of lock-free slots: collisions only share a
// budget, which errs on the side of fewer lines.
struct slot {
  std::atomic<int64_t> tat{0}; // ms
  std::atomic<uint64_t> suppressed{0};
};
std::array<slot, 64> slots;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
    .count();
}

} // namespace

bool is_noise(boost::system::error_code ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::eof
         || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe
         || ec == asio::error::not_connected
         || ec == beast::error::timeout
         // Beast closes the socket when a WebSocket times out; a read it
         // resumes afterwards can fail with EBADF instead of `timeout`.
         || ec == asio::error::bad_descriptor
         || ec == beast::websocket::error::closed
         || ec == beast::http::error::end_of_stream
         // A TLS client that closes without close_notify.
         || ec == asio::ssl::error::stream_truncated;
}

uint64_t log_allowed(std::string_view kind, bool& allowed) {
  auto& s = slots[std::hash<std::string_view>{}(kind) % slots.size()];
  auto now = now_ms();
  auto tat = s.tat.load(std::memory_order_relaxed);
  for (;;) {
    if (tat - now > (line_burst - 1) * line_interval_ms) {
      allowed = false;
      s.suppressed.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    auto next = std::max(tat, now) + line_interval_ms;
    if (s.tat.compare_exchange_weak(tat, next, std::memory_order_relaxed))
      break;
  }
  allowed = true;
  return s.suppressed.exchange(0, std::memory_order_relaxed);
}

void log_line(std::string_view kind, const std::string& text) {
  bool allowed = false;
  auto suppressed = log_allowed(kind, allowed);
  if (!allowed)
    return;
  // One write per line, so lines of concurrent connections do not interleave.
  std::ostringstream line;
  line << "tidewire: " << text;
  if (suppressed > 0)
    line << " (" << suppressed << " similar lines suppressed)";
  line << '\n';
  std::cerr << line.str() << std::flush;
}

void fail(boost::system::error_code ec, const char* what, uint64_t conn_id) {
  if (!ec || is_noise(ec))
    return;
  std::ostringstream kind;
  kind << what << ':' << ec.category().name() << ':' << ec.value();
  std::ostringstream text;
  text << "connection " << conn_id << ": " << what << ": " << ec.message();
  log_line(kind.str(), text.str());
}

} // namespace tidewire::net
