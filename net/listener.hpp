#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace tidewire::net {

struct server_state;

// Accepts TCP connections on host:port and hands each, on a strand of its
// own, to an http_session. The acceptor lives on the listener's strand.
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

  std::shared_ptr<server_state> state_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

} // namespace tidewire::net
