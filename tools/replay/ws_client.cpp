#include "tools/replay/ws_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "actors/msgpack_wire.hpp"
#include "tools/replay/common.hpp"

namespace tidewire::replay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// A node that accepts but never answers must not hang the tool forever.
constexpr int io_timeout_s = 10;

// Replies nest no deeper than this (the node's own limit for clients).
constexpr size_t max_depth = 64;

} // namespace

ws_target parse_ws_url(const std::string& url) {
  constexpr std::string_view scheme = "ws://";
  auto bad = [&] {
    return usage_error("expected a WebSocket URL ws://HOST:PORT[/ws], got '"
                       + url + "'");
  };
  if (url.rfind(scheme, 0) != 0)
    throw bad();
  auto rest = url.substr(scheme.size());
  ws_target t;
  t.text = url;
  t.path = "/ws";
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    auto path = rest.substr(slash);
    if (path != "/" && path != "/ws")
      throw bad();
    rest.resize(slash);
  }
  auto colon = rest.rfind(':');
  t.host = rest.substr(0, colon);
  t.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (t.host.empty() || t.port.empty()
      || t.port.find_first_not_of("0123456789") != std::string::npos)
    throw bad();
  return t;
}

bool msgpack_protocol(const std::string& name) {
  if (name == "msgpack")
    return true;
  if (name == "json")
    return false;
  throw usage_error("--protocol expects json or msgpack, got '" + name + "'");
}

struct ws_client::impl {
  ws_target target;
  bool msgpack = false;
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  uint64_t next_id = 1;
  bool connected = false;

  [[noreturn]] void fail(const std::string& what,
                         const boost::system::error_code& ec) {
    throw runtime_error("cannot reach node at " + target.text + ": " + what
                        + ec.message());
  }

  void send(const std::string& json_text) {
    boost::system::error_code ec;
    if (msgpack) {
      auto bytes = msgpack_wire::from_json(json_text);
      ws.binary(true);
      ws.write(asio::buffer(bytes), ec);
    } else {
      ws.text(true);
      ws.write(asio::buffer(json_text), ec);
    }
    if (ec)
      fail("sending failed: ", ec);
  }

  // The messages of the next frame (one, or an array of them).
  std::vector<nlohmann::json> receive() {
    boost::system::error_code ec;
    buffer.clear();
    ws.read(buffer, ec);
    if (ec)
      fail("reading failed: ", ec);
    auto raw = beast::buffers_to_string(buffer.data());
    if (ws.got_binary() != msgpack)
      throw runtime_error("the node at " + target.text + " sent a "
                          + (msgpack ? "text" : "binary")
                          + " frame on the "
                          + (msgpack ? "MessagePack" : "JSON")
                          + " subprotocol");
    if (msgpack) {
      auto decoded = msgpack_wire::to_json(raw, max_depth);
      if (!decoded.ok())
        throw runtime_error("the node at " + target.text
                            + " sent bad MessagePack: " + decoded.error);
      raw = std::move(decoded.json);
    }
    auto doc = nlohmann::json::parse(raw, nullptr, false);
    if (doc.is_discarded())
      throw runtime_error("the node at " + target.text
                          + " sent a frame that is not JSON");
    if (doc.is_array())
      return doc.get<std::vector<nlohmann::json>>();
    return {std::move(doc)};
  }
};

ws_client::ws_client(ws_target target, bool msgpack)
  : impl_(std::make_unique<impl>()) {
  impl_->target = std::move(target);
  impl_->msgpack = msgpack;
}

ws_client::~ws_client() {
  if (!impl_->connected)
    return;
  boost::system::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
}

void ws_client::connect() {
  auto& d = *impl_;
  boost::system::error_code ec;
  tcp::resolver resolver{d.ioc};
  auto endpoints = resolver.resolve(d.target.host, d.target.port, ec);
  if (ec)
    d.fail("", ec);
  asio::connect(d.ws.next_layer(), endpoints, ec);
  if (ec)
    d.fail("", ec);
  timeval tv{io_timeout_s, 0};
  auto fd = d.ws.next_layer().native_handle();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const std::string protocol = d.msgpack ? "tidewire.v1.msgpack"
                                         : "tidewire.v1.json";
  d.ws.set_option(websocket::stream_base::decorator(
    [protocol](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "tidewire-replay");
      req.set(beast::http::field::sec_websocket_protocol, protocol);
    }));
  websocket::response_type res;
  d.ws.handshake(res, d.target.host + ":" + d.target.port, d.target.path, ec);
  if (ec)
    d.fail("WebSocket handshake failed: ", ec);
  if (res[beast::http::field::sec_websocket_protocol] != protocol)
    throw runtime_error("the node at " + d.target.text + " does not speak "
                        + protocol);
  d.connected = true;
  for (;;)
    for (auto& msg : d.receive())
      if (msg.value("type", "") == "welcome")
        return;
}

std::string ws_client::publish(const std::string& channel,
                               const std::string& data_json) {
  auto& d = *impl_;
  auto id = d.next_id++;
  std::string msg = R"({"type":"publish","channel":)";
  msg += nlohmann::json(channel).dump();
  msg += R"(,"id":)" + std::to_string(id) + R"(,"data":)";
  msg += data_json;
  msg += '}';
  d.send(msg);
  // One request at a time: an error without an id (a dropped message) is
  // about this one too.
  for (;;)
    for (auto& reply : d.receive())
      if (reply.value("id", nlohmann::json{}) == id
          || (reply.value("type", "") == "error" && !reply.contains("id")))
        return reply.dump();
}

} // namespace tidewire::replay
