// The inbound half of a connection: reading and decoding client messages,
// the per-connection message rate, and the connection's authentication
// (the first token's deadline, the warning before `exp`, the close at it).
// A read pass takes the message Beast returned and every further one Beast
// already holds whole and plain (frame_lookahead.hpp); the pass's publishes
// reach the session actor as one message.
#include "net/websocket_session.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/frames.hpp"
#include "actors/msgpack_wire.hpp"
#include "actors/rights.hpp"
#include "actors/session.hpp"
#include "net/fail.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

frame auth_expiring_frame(int64_t in_ms) {
  return make_frame(
    nlohmann::json{{"type", "auth_expiring"}, {"in_ms", in_ms}}.dump());
}

int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                    shared_from_this()));
}

void websocket_session::on_read(boost::system::error_code ec,
                                std::size_t bytes) {
  // One pass takes this message and every further one Beast already holds
  // whole and plain (frame_lookahead.hpp): read asynchronously, each of
  // them would wait a full round of the io queue behind every other
  // connection's work. Their publishes reach the session actor together,
  // still one rate-limit token, one protocol-error count and one reply
  // order per message.
  std::vector<publish_request> publishes;
  publishes_ = &publishes;
  for (unsigned taken = 1;; ++taken) {
    if (ec) {
      send_publishes();
      publishes_ = nullptr;
      fail(ec, "websocket read", id_);
      return on_closed();
    }
    auto* look = ws_.next_layer().lookahead();
    if (look)
      look->message_done();
    bump(state_->stats.ws_messages_in_total);
    bump(state_->stats.ws_bytes_in_total, bytes);
    if (!closing_) {
      auto data = buffer_.data();
      handle_message(std::string_view{static_cast<const char*>(data.data()),
                                      data.size()},
                     ws_.got_text());
    }
    // An idle connection keeps no read buffer: subscribers read rarely, and
    // a buffer would keep the peak size of any message ever read.
    buffer_.release();
    if (closing_ || taken == max_messages_per_pass || !look
        || !look->next_ready())
      break;
    bytes = ws_.read(buffer_, ec);
  }
  send_publishes();
  publishes_ = nullptr;
  ws_.next_layer().drop_idle_lookahead();
  do_read();
}

void websocket_session::send_publishes() {
  if (publishes_ && !publishes_->empty())
    caf::anon_send(actor_, std::exchange(*publishes_, {}));
}

void websocket_session::handle_message(std::string_view bytes, bool text) {
  // Rate-limited per WebSocket message (an array of up to max_batch requests
  // counts once): the cost that matters is reading and decoding it.
  if (!admit_message()) {
    send_publishes();
    caf::anon_send(actor_, reply_atom::value,
                   frames::error("rate_limited",
                                 "more than "
                                   + std::to_string(
                                     state_->cfg.max_messages_per_s)
                                   + " messages per second; this one was"
                                     " dropped",
                                 ""));
    return;
  }
  if (format_ == wire_format::json) {
    if (!text)
      return protocol_error("bad_request",
                            "binary frames are not accepted on "
                            "tidewire.v1.json",
                            "");
    return handle_json(bytes);
  }
  if (text)
    return protocol_error("bad_request",
                          "text frames are not accepted on "
                          "tidewire.v1.msgpack",
                          "");
  // Decoded to JSON text, then read by the same parser as a JSON client's
  // message: one set of rules (fields, types, limits, error messages).
  auto decoded = msgpack_wire::to_json(bytes, limits_.max_depth);
  if (!decoded.ok())
    return protocol_error("bad_request", decoded.error, "");
  handle_json(decoded.json);
}

void websocket_session::handle_json(std::string_view text) {
  // A pass's publishes reach the session actor as one message, sent before
  // anything else it is told, so the order of requests holds. A frame cut
  // short by a close loses the publishes after the last thing sent, as the
  // rest of the frame.
  auto& publishes = *publishes_; // only read passes handle messages
  auto kept = publishes.size();
  for (auto& outcome : parse_text_frame(text, limits_)) {
    if (closing_)
      break;
    if (claims_)
      if (auto p = std::get_if<publish_request>(&outcome)) {
        publishes.push_back(std::move(*p));
        continue;
      }
    send_publishes();
    kept = 0;
    if (!claims_ && !std::holds_alternative<auth_request>(outcome)) {
      bump(state_->stats.auth_failures_total);
      auto id = std::visit([](auto& m) { return m.id_json; }, outcome);
      protocol_error("unauthorized",
                     "authenticate first: send {\"type\":\"auth\","
                     "\"token\":\"...\"}",
                     id);
      continue;
    }
    std::visit(
      [this](auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, request_error>) {
          protocol_error(msg.code, msg.message, msg.id_json);
        } else if constexpr (std::is_same_v<T, ping_request>) {
          caf::anon_send(actor_, reply_atom::value, frames::pong(msg.id_json));
        } else if constexpr (std::is_same_v<T, auth_request>) {
          handle_auth(msg);
        } else {
          caf::anon_send(actor_, std::move(msg));
        }
      },
      outcome);
  }
  if (closing_)
    publishes.erase(publishes.begin() + static_cast<long>(kept),
                    publishes.end());
}

bool websocket_session::admit_message() {
  // A token bucket: max_messages_per_s per second, up to two seconds' worth
  // saved. A client that keeps sending into an empty bucket for as many
  // messages again is not slowing down: it is closed.
  auto rate = static_cast<double>(state_->cfg.max_messages_per_s);
  auto now = std::chrono::steady_clock::now();
  std::chrono::duration<double> elapsed = now - refilled_;
  refilled_ = now;
  tokens_ = std::min(2.0 * rate, tokens_ + elapsed.count() * rate);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    if (tokens_ >= rate) // a second's worth saved again: it slowed down
      rate_strikes_ = 0;
    return true;
  }
  if (++rate_strikes_ > std::max<uint32_t>(state_->cfg.max_messages_per_s, 10))
    start_close(websocket::close_code::policy_error,
                "message rate limit exceeded");
  return false;
}

void websocket_session::handle_auth(const auth_request& msg) {
  send_publishes(); // they were sent under the rights before this token
  auto& verifier = state_->cfg.verifier;
  if (!verifier) {
    // Not counted as a protocol error: a client may always try.
    caf::anon_send(actor_, reply_atom::value,
                   frames::error("bad_request",
                                 "auth is not enabled on this node",
                                 msg.id_json));
    return;
  }
  auto v = verifier->verify(msg.token, auth::unix_now());
  if (!v.ok) {
    // A refused refresh leaves the current token in force until it expires.
    bump(state_->stats.auth_failures_total);
    return protocol_error("unauthorized", v.error, msg.id_json);
  }
  claims_ = token_state{v.ok->anonymous, v.ok->exp};
  expiry_warned_ = false;
  caf::anon_send(actor_, auth_atom::value, std::move(*v.ok));
  arm_auth_timer();
}

void websocket_session::arm_auth_timer() {
  if (closing_ || closed_)
    return;
  std::chrono::milliseconds delay{0};
  bool expire = false;
  if (!claims_) {
    delay = state_->cfg.auth_timeout;
    expire = true;
  } else if (claims_->anonymous || claims_->exp == 0) {
    if (auth_timer_)
      auth_timer_->cancel();
    return;
  } else {
    auto left = claims_->exp * 1000 - unix_now_ms();
    auto warning = std::chrono::duration_cast<std::chrono::milliseconds>(
                     state_->cfg.auth_warning)
                     .count();
    if (left <= 0) {
      expire = true;
    } else if (!expiry_warned_ && left <= warning) {
      expiry_warned_ = true;
      caf::anon_send(actor_, reply_atom::value, auth_expiring_frame(left));
      delay = std::chrono::milliseconds{left};
      expire = true;
    } else if (!expiry_warned_) {
      delay = std::chrono::milliseconds{left - warning};
    } else {
      delay = std::chrono::milliseconds{left};
      expire = true;
    }
  }
  auth_timer().expires_after(delay);
  auth_timer().async_wait([self = shared_from_this(), expire,
                          authenticated = claims_.has_value(),
                          exp = claims_ ? claims_->exp : 0](
                           boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || self->closing_
        || self->closed_)
      return;
    if (!authenticated && !self->claims_) {
      bump(self->state_->stats.auth_failures_total);
      return self->start_close(websocket::close_code::policy_error,
                               "authentication timed out");
    }
    if (expire && self->claims_ && self->claims_->exp == exp) {
      bump(self->state_->stats.auth_failures_total);
      return self->start_close(websocket::close_code::policy_error,
                               "token expired");
    }
    self->arm_auth_timer(); // warn now, or the token was replaced
  });
}

void websocket_session::protocol_error(const std::string& code,
                                       const std::string& message,
                                       const std::string& id_json) {
  send_publishes();
  bump(state_->stats.ws_protocol_errors_total);
  if (++errors_ > max_protocol_errors)
    return start_close(websocket::close_code::policy_error,
                       "too many protocol errors");
  caf::anon_send(actor_, reply_atom::value,
                 frames::error(code, message, id_json));
}

} // namespace tidewire::net
