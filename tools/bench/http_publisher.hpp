#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "latency_histogram.hpp"
#include "measure.hpp"
#include "progress.hpp"

namespace tidewire::bench {

// What one HTTP publisher saw. Read once the io threads have stopped.
struct http_summary {
  uint64_t sent = 0;
  uint64_t stored = 0;   // 200
  uint64_t rejected = 0; // 429: the channel's queue was full, not stored
  clock_type::time_point first_send{};
  clock_type::time_point last_answer{};
  latency_histogram latency; // request written to response read
  std::string error;         // why it stopped early, empty if it did not
};

// One keep-alive HTTP connection publishing with
// `POST /api/v1/channels/{channel}/messages`, one request in flight, until
// `count` publishes or `seconds` are used up; then it reaches `finished`.
// Any other answer than 200 or 429 fails it. start() may be called from any
// thread and posts to the connection's strand, where everything else runs.
class http_publisher : public std::enable_shared_from_this<http_publisher> {
public:
  http_publisher(boost::asio::io_context& ioc,
                 boost::asio::ip::tcp::endpoint node, progress& prog,
                 std::string channel, uint64_t count, double seconds,
                 size_t payload);

  void start();

  const http_summary& summary() const {
    return s_;
  }

private:
  void on_connect(boost::system::error_code ec);
  void send_next();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void finish(std::string error);

  boost::beast::tcp_stream stream_;
  boost::asio::ip::tcp::endpoint node_;
  progress& progress_;
  const std::string target_;
  const uint64_t count_;
  const double seconds_;
  const size_t payload_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> req_;
  boost::beast::http::response<boost::beast::http::string_body> res_;
  clock_type::time_point sent_at_{};
  http_summary s_;
  bool finished_ = false;
};

} // namespace tidewire::bench
