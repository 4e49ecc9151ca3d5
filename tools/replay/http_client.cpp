#include "tools/replay/http_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "tools/replay/common.hpp"

namespace tidewire::replay {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
// A node that accepts but never answers must not hang the tool forever.
constexpr int io_timeout_s = 10;
} // namespace

http_target parse_http_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    throw usage_error("expected a node URL http://HOST:PORT, got '" + url
                      + "'");
  auto rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    if (rest.substr(slash) != "/")
      throw usage_error("the node URL takes no path: '" + url + "'");
    rest.resize(slash);
  }
  http_target t;
  t.text = url;
  auto colon = rest.rfind(':');
  t.host = rest.substr(0, colon);
  t.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (t.host.empty() || t.port.empty()
      || t.port.find_first_not_of("0123456789") != std::string::npos)
    throw usage_error("expected a node URL http://HOST:PORT, got '" + url
                      + "'");
  return t;
}

struct http_client::impl {
  http_target target;
  asio::io_context ioc;
  tcp::socket socket{ioc};
  boost::beast::flat_buffer buffer;
  bool connected = false;

  [[noreturn]] void fail(const std::string& what,
                         const boost::system::error_code& ec) {
    throw runtime_error("cannot reach node at " + target.text + ": " + what
                        + ec.message());
  }

  void connect() {
    boost::system::error_code ec;
    tcp::resolver resolver{ioc};
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec)
      fail("", ec);
    socket = tcp::socket{ioc};
    asio::connect(socket, endpoints, ec);
    if (ec)
      fail("", ec);
    timeval tv{io_timeout_s, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv,
                 sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv,
                 sizeof tv);
    buffer.clear();
    connected = true;
  }
};

http_client::http_client(http_target target) : impl_(std::make_unique<impl>()) {
  impl_->target = std::move(target);
}

http_client::~http_client() {
  boost::system::error_code ec;
  if (impl_->connected)
    impl_->socket.shutdown(tcp::socket::shutdown_both, ec);
}

void http_client::connect() {
  impl_->connect();
}

http_result http_client::post(const std::string& path,
                              const std::string& body) {
  auto& d = *impl_;
  if (!d.connected)
    d.connect();
  http::request<http::string_body> req{http::verb::post, path, 11};
  req.set(http::field::host, d.target.host + ":" + d.target.port);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "tidewire-replay");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  boost::system::error_code ec;
  http::write(d.socket, req, ec);
  if (ec)
    d.fail("writing a request failed: ", ec);
  http::response<http::string_body> res;
  http::read(d.socket, d.buffer, res, ec);
  if (ec)
    d.fail("reading the response failed: ", ec);
  if (!res.keep_alive()) {
    d.socket.close(ec);
    d.connected = false;
  }
  return {res.result_int(), std::move(res.body())};
}

} // namespace tidewire::replay
