#include "net/listener.hpp"

#include <algorithm>
#include <future>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "net/fail.hpp"
#include "net/http_session.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

listener::listener(std::shared_ptr<server_state> state)
  : state_(std::move(state)),
    acceptor_(asio::make_strand(state_->ioc)),
    backoff_(acceptor_.get_executor()) {
}

namespace {

// Out of descriptors, buffers or memory: accepting again at once fails the
// same way, so the loop waits (10 ms doubling to 1 s) while connections end.
bool is_resource_shortage(boost::system::error_code ec) {
  return ec == asio::error::no_descriptors
         || ec == boost::system::errc::too_many_files_open_in_system
         || ec == asio::error::no_buffer_space
         || ec == asio::error::no_memory;
}

// Answers a refused connection without reading its request: a short
// response written without blocking (a socket just accepted has an empty
// send buffer), then closed.
void refuse(tcp::socket& socket, unsigned status, std::string_view reason,
            std::string_view message) {
  std::string body = R"({"error":{"code":"rate_limited","message":")"
                     + std::string{message} + "\"}}";
  std::string res = "HTTP/1.1 " + std::to_string(status) + " "
                    + std::string{reason}
                    + "\r\nServer: tidewire\r\nContent-Type: "
                      "application/json\r\nRetry-After: 1\r\nConnection: "
                      "close\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(res), ignored);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

} // namespace

std::string listener::open(const std::string& host, uint16_t port) {
  auto where = "cannot listen on " + host + ":" + std::to_string(port) + ": ";
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint{address, port};
  } else {
    tcp::resolver resolver{state_->ioc};
    auto results = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty())
      return where + (ec ? ec.message() : "host not found");
    endpoint = results.begin()->endpoint();
  }
  acceptor_.open(endpoint.protocol(), ec);
  if (ec)
    return where + ec.message();
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return where + ec.message();
  acceptor_.bind(endpoint, ec);
  if (ec)
    return where + ec.message();
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return where + ec.message();
  return {};
}

uint16_t listener::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void listener::run() {
  asio::post(acceptor_.get_executor(),
             [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop(std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto closed = done->get_future();
  asio::post(acceptor_.get_executor(), [self = shared_from_this(), done] {
    self->close_now();
    done->set_value();
  });
  closed.wait_for(timeout);
}

void listener::close_now() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void listener::do_accept() {
  if (!acceptor_.is_open())
    return;
  acceptor_.async_accept(asio::make_strand(state_->ioc),
                         beast::bind_front_handler(&listener::on_accept,
                                                   shared_from_this()));
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted)
    return; // stopped
  if (ec) {
    fail(ec, "accept", 0);
    if (is_resource_shortage(ec)) {
      backoff_delay_ = std::clamp(backoff_delay_ * 2,
                                  std::chrono::milliseconds{10},
                                  std::chrono::milliseconds{1000});
      backoff_.expires_after(backoff_delay_);
      backoff_.async_wait(
        [self = shared_from_this()](boost::system::error_code) {
          self->do_accept();
        });
      return;
    }
    return do_accept();
  }
  backoff_delay_ = std::chrono::milliseconds{0};
  boost::system::error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec);
  if (peer_ec)
    return do_accept(); // gone already
  auto slot = take_slot(peer.address());
  if (!slot) {
    bump(state_->stats.connections_refused_total);
    if (open_ >= state_->cfg.max_connections)
      refuse(socket, 503, "Service Unavailable",
             "the node has too many connections");
    else
      refuse(socket, 429, "Too Many Requests",
             "too many connections from your address");
  } else {
    // Updates are small and latency is the product: Nagle's algorithm would
    // hold a frame back until the previous one is acknowledged (up to the
    // peer's delayed-ACK timer). Failing to set it only costs latency.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<http_session>(std::move(socket), state_,
                                   state_->next_conn_id(), std::move(slot))
      ->run();
  }
  do_accept();
}

std::shared_ptr<void> listener::take_slot(const asio::ip::address& ip) {
  auto key = ip.to_string();
  auto& per_ip = per_ip_[key];
  if (open_ >= state_->cfg.max_connections
      || per_ip >= state_->cfg.max_connections_per_ip) {
    if (per_ip == 0)
      per_ip_.erase(key);
    return nullptr;
  }
  ++open_;
  ++per_ip;
  // The deleter runs wherever the last holder lets go; the counts are only
  // touched back on this strand.
  return std::shared_ptr<void>(
    static_cast<void*>(this), [self = shared_from_this(), ip](void*) {
      asio::post(self->acceptor_.get_executor(),
                 [self, ip] { self->release(ip); });
    });
}

void listener::release(const asio::ip::address& ip) {
  --open_;
  auto it = per_ip_.find(ip.to_string());
  if (it != per_ip_.end() && --it->second == 0)
    per_ip_.erase(it);
}

} // namespace tidewire::net
