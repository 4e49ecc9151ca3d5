#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tidewire::net {

struct server_state;

// Accepts TCP connections on host:port and hands each, on a strand of its
// own, to an http_session. The acceptor and the connection counts live on
// the listener's strand.
//
// Connection limits are enforced here, before any byte is read: past
// max_connections a new connection gets `503`, past max_connections_per_ip
// `429`, and is closed. Each admitted connection holds a slot (a shared_ptr
// the http_session, then the websocket_session, keeps); the slot's release
// is posted back to this strand. When accept fails for lack of descriptors
// or memory the loop waits before the next try instead of spinning.
class listener : public std::enable_shared_from_this<listener> {
public:
  explicit listener(std::shared_ptr<server_state> state);

  // Resolves, binds (SO_REUSEADDR, so a restart does not wait out TIME_WAIT)
  // and listens. On failure returns a readable message
  // ("cannot listen on 127.0.0.1:8080: Address already in use"), else "".
  // Call once, before run(), from the thread that starts the server.
  std::string open(const std::string& host, uint16_t port);

  // The bound port (the real one for port 0); valid after open().
  uint16_t port() const;

  // Starts accepting.
  void run();

  // Stops accepting: closes the acceptor on its strand and returns once it
  // is closed (or after `timeout` if the io threads do not get to it). Call
  // while the io threads run.
  void stop(std::chrono::milliseconds timeout);

  // Closes the acceptor directly. Only once no io thread runs any more.
  void close_now();

private:
  void do_accept();
  void on_accept(boost::system::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  std::shared_ptr<void> take_slot(const boost::asio::ip::address& ip);
  void release(const boost::asio::ip::address& ip);

  std::shared_ptr<server_state> state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::chrono::milliseconds backoff_delay_{0};
  size_t open_ = 0;
  std::unordered_map<std::string, size_t> per_ip_;
};

} // namespace tidewire::net
