#include "ws_client.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "actors/msgpack_wire.hpp"

namespace tidewire::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Generous for one loopback connection; a node that takes longer is stuck
// (its own handshake limit is 10 s).
constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto handshake_timeout = std::chrono::seconds(15);

std::string describe(const websocket::close_reason& r) {
  auto out = std::to_string(r.code);
  if (!r.reason.empty())
    out += " (" + std::string{r.reason.data(), r.reason.size()} + ")";
  return out;
}

} // namespace

ws_client::ws_client(asio::io_context& ioc, asio::ip::tcp::endpoint node,
                     progress& prog, bool msgpack)
  : progress_(prog), ws_(asio::make_strand(ioc)), node_(node), msgpack_(msgpack) {
}

void ws_client::start() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    auto& tcp = beast::get_lowest_layer(self->ws_);
    tcp.expires_after(connect_timeout);
    tcp.async_connect(self->node_,
                      beast::bind_front_handler(&ws_client::on_connect, self));
  });
}

void ws_client::on_connect(boost::system::error_code ec) {
  if (ec)
    return closing_ ? end() : fail("connect: " + ec.message());
  auto& tcp = beast::get_lowest_layer(ws_);
  tcp.expires_never(); // the WebSocket timeouts below take over
  // Publishes are small writes; Nagle would hold one back until the
  // previous is acknowledged and add that to every latency measured.
  boost::system::error_code ignored;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.handshake_timeout = handshake_timeout;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
    [msgpack = msgpack_](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol,
              msgpack ? "tidewire.v1.msgpack" : "tidewire.v1.json");
    }));
  ws_.async_handshake(node_.address().to_string() + ":" + std::to_string(node_.port()),
                      "/ws",
                      beast::bind_front_handler(&ws_client::on_handshake,
                                                shared_from_this()));
}

void ws_client::on_handshake(boost::system::error_code ec) {
  if (ec)
    return closing_ ? end() : fail("handshake: " + ec.message());
  open_ = true;
  ws_.text(!msgpack_);
  do_read();
  if (closing_)
    return start_close();
  on_open();
}

void ws_client::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_client::on_read,
                                                    shared_from_this()));
}

void ws_client::on_read(boost::system::error_code ec, std::size_t) {
  if (ec) {
    read_done_ = true;
    if (!closing_) // otherwise this is the end of our own close
      fail(ec == websocket::error::closed ? "closed by the node with "
                                              + describe(ws_.reason())
                                          : "read: " + ec.message());
    return end();
  }
  auto at = clock_type::now();
  auto data = buffer_.cdata();
  std::string_view bytes{static_cast<const char*>(data.data()), data.size()};
  if (!closing_ && msgpack_) {
    auto decoded = msgpack_wire::to_json(bytes, 64);
    if (!decoded.ok())
      fail("bad MessagePack from the node: " + decoded.error);
    else
      dispatch(decoded.json, at);
  } else if (!closing_) {
    dispatch(bytes, at);
  }
  buffer_.consume(buffer_.size());
  do_read();
}

void ws_client::dispatch(std::string_view text, clock_type::time_point at) {
  if (on_text(text, at))
    return;
  // Parse without exceptions; a handler that reads a field of the wrong
  // type throws, and that is a failure of this connection, not the run.
  auto msg = nlohmann::json::parse(text, nullptr, false);
  if (msg.is_discarded())
    return fail("unparsable message: " + std::string{text.substr(0, 80)});
  try {
    if (msg.is_array()) {
      for (const auto& each : msg)
        on_message(each, at);
    } else {
      on_message(msg, at);
    }
  } catch (const nlohmann::json::exception& e) {
    fail(std::string{"unexpected message ("} + e.what()
         + "): " + std::string{text.substr(0, 80)});
  }
}

void ws_client::send(std::string text) {
  if (!open_ || closing_)
    return;
  queue_.push_back(msgpack_ ? msgpack_wire::from_json(text) : std::move(text));
  if (!writing_)
    write_next();
}

void ws_client::write_next() {
  writing_ = true;
  ws_.async_write(asio::buffer(queue_.front()),
                  beast::bind_front_handler(&ws_client::on_write,
                                            shared_from_this()));
}

void ws_client::on_write(boost::system::error_code ec, std::size_t) {
  writing_ = false;
  queue_.pop_front();
  if (ec && !closing_)
    return fail("write: " + ec.message());
  if (closing_) {
    queue_.clear();
    return start_close(); // held back until this write finished
  }
  if (!queue_.empty())
    write_next();
}

void ws_client::close() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (self->open_)
      self->start_close();
    else // still connecting: the cancelled attempt then ends()
      beast::get_lowest_layer(self->ws_).cancel();
  });
}

void ws_client::fail(std::string what) {
  if (error_.empty()) {
    error_ = std::move(what);
    progress_.fail();
  }
  closing_ = true;
  if (!open_)
    return end(); // no connection to close
  start_close();
}

// Runs with closing_ set. One write at a time: the close frame waits for a
// write in flight; the read loop ends once the node answers the close.
void ws_client::start_close() {
  if (close_sent_ || writing_ || read_done_ || !open_)
    return;
  close_sent_ = true;
  ws_.async_close(websocket::close_code::normal,
                  [self = shared_from_this()](boost::system::error_code) {});
}

void ws_client::end() {
  if (ended_)
    return;
  ended_ = true;
  progress_.reach(phase::closed);
}

} // namespace tidewire::bench
