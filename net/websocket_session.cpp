#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "actors/frames.hpp"
#include "actors/session.hpp"
#include "net/fail.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view open_bracket = "[";
constexpr std::string_view comma = ",";
constexpr std::string_view close_bracket = "]";

} // namespace

websocket_session::websocket_session(asio::ip::tcp::socket&& socket,
                                     std::shared_ptr<server_state> state,
                                     uint64_t conn_id)
  : ws_(std::move(socket)), state_(std::move(state)), id_(conn_id) {
  limits_.max_frame = state_->cfg.max_frame;
}

websocket_session::~websocket_session() {
  if (accepted_ && !closed_) {
    state_->stats.ws_connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (actor_)
      caf::anon_send(actor_, closed_atom::value);
  }
}

void websocket_session::run(http::request<http::string_body> req,
                            std::string subprotocol) {
  const auto& cfg = state_->cfg;
  // The WebSocket stream has its own timeouts (handshake, idle with
  // keep-alive pings); the TCP stream's would cut idle subscribers.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = cfg.handshake_timeout;
  timeouts.idle_timeout = cfg.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
    [subprotocol](websocket::response_type& res) {
      res.set(http::field::server, "tidewire");
      if (!subprotocol.empty())
        res.set(http::field::sec_websocket_protocol, subprotocol);
    }));
  websocket::permessage_deflate pmd;
  pmd.server_enable = cfg.permessage_deflate;
  ws_.set_option(pmd);
  // Beast fails a longer message with message_too_big and closes with 1009.
  ws_.read_message_max(cfg.max_frame);
  ws_.text(true);
  ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                  shared_from_this()));
}

void websocket_session::on_accept(boost::system::error_code ec) {
  if (ec)
    return fail(ec, "websocket accept", id_);
  accepted_ = true;
  state_->stats.ws_connections_open.fetch_add(1, std::memory_order_relaxed);
  bump(state_->stats.ws_connections_total);
  actor_ = spawn_session(state_->sys, state_->cfg.session,
                         session_identity{state_->cfg.node_name,
                                          state_->session_id(id_)},
                         shared_from_this(), state_->directory);
  // After the actor exists: a drain that already started closes us at once.
  state_->registry.add(id_, weak_from_this());
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                    shared_from_this()));
}

void websocket_session::on_read(boost::system::error_code ec,
                                std::size_t bytes) {
  if (ec) {
    fail(ec, "websocket read", id_);
    return on_closed();
  }
  bump(state_->stats.ws_messages_in_total);
  bump(state_->stats.ws_bytes_in_total, bytes);
  if (!closing_) {
    if (!ws_.got_text()) {
      protocol_error("bad_request",
                     "binary frames are not accepted on tidewire.v1.json", "");
    } else {
      auto data = buffer_.data();
      handle_text(std::string_view{static_cast<const char*>(data.data()),
                                   data.size()});
    }
  }
  buffer_.consume(buffer_.size());
  do_read();
}

void websocket_session::handle_text(std::string_view text) {
  for (auto& outcome : parse_text_frame(text, limits_)) {
    if (closing_)
      return;
    std::visit(
      [this](auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, request_error>) {
          protocol_error(msg.code, msg.message, msg.id_json);
        } else if constexpr (std::is_same_v<T, ping_request>) {
          caf::anon_send(actor_, reply_atom::value, frames::pong(msg.id_json));
        } else if constexpr (std::is_same_v<T, auth_request>) {
          // No authentication is configured on a node yet: say so, without
          // counting it as a protocol error.
          caf::anon_send(actor_, reply_atom::value,
                         frames::error("bad_request",
                                       "auth is not enabled on this node",
                                       msg.id_json));
        } else {
          caf::anon_send(actor_, std::move(msg));
        }
      },
      outcome);
  }
}

void websocket_session::protocol_error(const std::string& code,
                                       const std::string& message,
                                       const std::string& id_json) {
  bump(state_->stats.ws_protocol_errors_total);
  if (++errors_ > max_protocol_errors)
    return start_close(websocket::close_code::policy_error,
                       "too many protocol errors");
  caf::anon_send(actor_, reply_atom::value,
                 frames::error(code, message, id_json));
}

void websocket_session::deliver(std::vector<frame> frames) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), frames = std::move(frames)]() mutable {
               self->enqueue(std::move(frames));
             });
}

void websocket_session::enqueue(std::vector<frame> frames) {
  if (closing_ || closed_ || frames.empty())
    return;
  // The session actor waits for written_atom before the next batch; the queue
  // only matters if that contract is ever broken, and then keeps order.
  queue_.push_back(std::move(frames));
  if (!writing_)
    write_next();
}

void websocket_session::write_next() {
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  buffers_.clear();
  size_t bytes = 0;
  if (in_flight_.size() == 1) {
    buffers_.emplace_back(asio::buffer(*in_flight_.front()));
    bytes = in_flight_.front()->size();
  } else {
    // Several frames travel as one JSON array: [f1,f2,...], without copying
    // the shared encoded frames.
    buffers_.reserve(in_flight_.size() * 2 + 1);
    buffers_.emplace_back(asio::buffer(open_bracket.data(), open_bracket.size()));
    for (size_t i = 0; i < in_flight_.size(); ++i) {
      if (i > 0)
        buffers_.emplace_back(asio::buffer(comma.data(), comma.size()));
      buffers_.emplace_back(asio::buffer(*in_flight_[i]));
      bytes += in_flight_[i]->size() + 1;
    }
    buffers_.emplace_back(
      asio::buffer(close_bracket.data(), close_bracket.size()));
    bytes += 1;
  }
  writing_ = true;
  bump(state_->stats.ws_messages_out_total);
  bump(state_->stats.ws_frames_out_total, in_flight_.size());
  bump(state_->stats.ws_bytes_out_total, bytes);
  ws_.async_write(buffers_,
                  beast::bind_front_handler(&websocket_session::on_write,
                                            shared_from_this()));
}

void websocket_session::on_write(boost::system::error_code ec, std::size_t) {
  writing_ = false;
  in_flight_.clear();
  buffers_.clear();
  if (ec) {
    fail(ec, "websocket write", id_);
    queue_.clear();
    return; // the pending read fails too and reports the close
  }
  if (actor_)
    caf::anon_send(actor_, written_atom::value);
  if (!queue_.empty() && !closing_)
    write_next();
}

void websocket_session::close(uint16_t code, std::string reason) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
               self->start_close(code, std::move(reason));
             });
}

void websocket_session::start_close(uint16_t code, std::string reason) {
  if (closing_ || closed_ || !accepted_)
    return;
  closing_ = true;
  queue_.clear();
  // A write in flight finishes first (Beast suspends the close); the read
  // loop keeps running and ends with websocket::error::closed.
  websocket::close_reason cr{static_cast<websocket::close_code>(code),
                             beast::string_view{reason.data(), reason.size()}};
  ws_.async_close(cr, [self = shared_from_this()](boost::system::error_code ec) {
    fail(ec, "websocket close", self->id_);
  });
}

void websocket_session::on_closed() {
  if (closed_)
    return;
  closed_ = true;
  queue_.clear();
  if (!accepted_)
    return;
  state_->stats.ws_connections_open.fetch_sub(1, std::memory_order_relaxed);
  state_->registry.remove(id_);
  if (actor_) {
    caf::anon_send(actor_, closed_atom::value);
    actor_ = caf::actor{}; // the actor holds us; do not hold it back
  }
}

void websocket_session::abandon() {
  on_closed();
}

} // namespace tidewire::net
