#include "net/listener.hpp"

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
  : state_(std::move(state)), acceptor_(asio::make_strand(state_->ioc)) {
}

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
    // Out of descriptors or similar: log and keep accepting.
    fail(ec, "accept", 0);
  } else {
    // Updates are small and latency is the product: Nagle's algorithm would
    // hold a frame back until the previous one is acknowledged (up to the
    // peer's delayed-ACK timer). Failing to set it only costs latency.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<http_session>(std::move(socket), state_,
                                   state_->next_conn_id())
      ->run();
  }
  do_accept();
}

} // namespace tidewire::net
