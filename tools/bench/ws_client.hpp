#pragma once

#include <deque>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json_fwd.hpp>

#include "measure.hpp"
#include "progress.hpp"

namespace tidewire::bench {

// One WebSocket connection to a node, speaking tidewire.v1.json (or
// tidewire.v1.msgpack), on its own strand. Subclasses say what to send and what to make of each message.
//
//   start() ─▶ connect ─▶ handshake ─▶ on_open()
//                                      read loop ─▶ on_message() per message
//   send()  ─▶ queue ─▶ one write in flight
//   close() ─▶ close handshake ─▶ read loop ends ─▶ progress: closed
//
// start() and close() may be called from any thread: they only post to the
// strand. Everything else, the hooks included, runs on the strand. A failure
// is recorded once (error()), reported to the progress and closes the
// connection; every connection reaches `closed` exactly once, failed or not.
class ws_client : public std::enable_shared_from_this<ws_client> {
public:
  // `msgpack`: speak tidewire.v1.msgpack (binary frames, decoded to JSON
  // for the hooks with the node's own codec) instead of tidewire.v1.json.
  ws_client(boost::asio::io_context& ioc,
            boost::asio::ip::tcp::endpoint node, progress& prog,
            bool msgpack = false);
  virtual ~ws_client() = default;

  void start();
  void close();

  // The first failure, empty if none. Read only once the io threads stopped.
  const std::string& error() const {
    return error_;
  }

protected:
  using executor_type = boost::beast::tcp_stream::executor_type;

  // The handshake completed; the node's `welcome` is on its way.
  virtual void on_open() = 0;

  // One server message: a whole WebSocket message, or one element when the
  // node batched several into a JSON array. `at` is when it was read.
  virtual void on_message(const nlohmann::json& msg,
                          clock_type::time_point at) = 0;

  // A whole server message as text, before it is parsed: a subclass that
  // can read it without building documents does so and returns true;
  // false hands it to on_message, parsed. Must not act on a message it
  // then declines.
  virtual bool on_text(std::string_view, clock_type::time_point) {
    return false;
  }

  // Queues one text message; dropped once the connection is closing.
  void send(std::string text);

  // Records a failure and closes the connection.
  void fail(std::string what);

  executor_type executor() {
    return ws_.get_executor();
  }

  progress& progress_;

private:
  void on_connect(boost::system::error_code ec);
  void on_handshake(boost::system::error_code ec);
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void dispatch(std::string_view text, clock_type::time_point at);
  void write_next();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void start_close();
  void end();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::ip::tcp::endpoint node_;
  bool msgpack_ = false;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_; // front() is being written
  std::string error_;
  bool open_ = false;    // the handshake completed
  bool writing_ = false;
  bool closing_ = false;    // close() or a failure asked for the close
  bool close_sent_ = false;
  bool read_done_ = false;  // the read loop is over
  bool ended_ = false;      // reached `closed`
};

} // namespace tidewire::bench
