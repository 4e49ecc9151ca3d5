#include "net/websocket_session.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/frames.hpp"
#include "actors/rights.hpp"
#include "actors/session.hpp"
#include "net/fail.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// Buffers up to this size stay with an idle connection; larger ones are
// given back after use.
constexpr size_t small_buffer_bytes = 4096;

// Written messages counted per connection before they are added to the
// shared metrics (and at the close).
constexpr uint64_t stats_step = 64;

} // namespace

websocket_session::websocket_session(asio::ip::tcp::socket&& socket,
                                     std::shared_ptr<server_state> state,
                                     uint64_t conn_id)
  : ws_(on_strand(std::move(socket), state->ioc)),
    state_(std::move(state)),
    id_(conn_id),
    auth_timer_(ws_.get_executor()) {
  limits_.max_frame = state_->cfg.max_frame;
  tokens_ = 2.0 * state_->cfg.max_messages_per_s;
  refilled_ = std::chrono::steady_clock::now();
}

namespace {

// RFC 6455 §7.4: 3000-4999 are for applications; above is undefined. Beast
// already refuses the reserved codes below 3000 with 1002, but accepts and
// echoes these.
bool close_code_out_of_range(uint16_t code) {
  return code > 4999;
}

// How long a connection closed for abuse may take to send its close frame
// before the socket is closed under it.
constexpr auto abuse_linger = std::chrono::milliseconds(200);

// A close frame from server to client (unmasked) with code 1002.
constexpr unsigned char protocol_error_close[] = {0x88, 0x02, 0x03, 0xEA};

frame auth_expiring_frame(int64_t in_ms) {
  return std::make_shared<const std::string>(
    nlohmann::json{{"type", "auth_expiring"}, {"in_ms", in_ms}}.dump());
}

int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace

// The socket moves to a socket typed on the strand it was accepted on, so
// the strand the caller runs on stays this connection's strand.
websocket_session::stream_type::socket_type
websocket_session::on_strand(asio::ip::tcp::socket&& s, asio::io_context& ioc) {
  auto* accepted_on = s.get_executor().target<strand_type>();
  strand_type strand = accepted_on ? *accepted_on : asio::make_strand(ioc);
  boost::system::error_code ec;
  auto protocol = s.local_endpoint(ec).protocol();
  if (ec)
    protocol = asio::ip::tcp::v4();
  auto handle = s.release(ec);
  stream_type::socket_type out{strand};
  if (!ec && out.assign(protocol, handle, ec))
    ::close(handle);
  return out; // not open on failure: the handshake fails and logs it
}

websocket_session::~websocket_session() {
  if (accepted_)
    flush_stats();
  if (accepted_ && !closed_) {
    state_->stats.ws_connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (actor_)
      caf::anon_send(actor_, closed_atom::value);
  }
}

void websocket_session::run(http::request<http::string_body> req,
                            std::string subprotocol,
                            std::optional<auth::claims> claims) {
  const auto& cfg = state_->cfg;
  claims_ = std::move(claims);
  ws_.control_callback(
    [this](websocket::frame_type kind, beast::string_view) {
      // Called inside a read, which holds a reference to this session.
      if (kind == websocket::frame_type::close)
        on_peer_close();
    });
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
  // One frame per message: fragments would cost a header and a write each.
  ws_.auto_fragment(false);
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
                                          state_->session_id(id_),
                                          claims_ ? *claims_ : auth::nobody()},
                         shared_from_this(), state_->directory);
  arm_auth_timer();
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
  // An idle connection keeps no read buffer: subscribers read rarely, and a
  // buffer would keep the peak size of any message ever read.
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
  do_read();
}

void websocket_session::handle_text(std::string_view text) {
  // Rate-limited per WebSocket message (an array of up to max_batch requests
  // counts once): the cost that matters is reading and decoding it.
  if (!admit_message()) {
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
  for (auto& outcome : parse_text_frame(text, limits_)) {
    if (closing_)
      return;
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
  claims_ = std::move(v.ok);
  expiry_warned_ = false;
  caf::anon_send(actor_, auth_atom::value, *claims_);
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
    auth_timer_.cancel();
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
  auth_timer_.expires_after(delay);
  auth_timer_.async_wait([self = shared_from_this(), expire,
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

void websocket_session::on_peer_close() {
  if (!close_code_out_of_range(ws_.reason().code))
    return;
  // Beast would echo the code; RFC 6455 says fail the connection with 1002.
  // The close frame goes straight to the socket (only when no frame of ours
  // is half written), then the socket is shut so Beast's echo goes nowhere.
  auto& socket = beast::get_lowest_layer(ws_).socket();
  boost::system::error_code ignored;
  if (!writing_)
    asio::write(socket, asio::buffer(protocol_error_close), ignored);
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  closing_ = true;
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

void websocket_session::deliver(frame_batch frames) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), frames = std::move(frames)]() mutable {
               self->enqueue(std::move(frames));
             });
}

void websocket_session::notify_written(uint64_t total) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), total] {
    if (total == 0) {
      if (self->actor_)
        caf::anon_send(self->actor_, written_atom::value, self->written_total_);
      return;
    }
    if (self->notify_at_ == 0 || total < self->notify_at_)
      self->notify_at_ = total;
    self->report_written();
  });
}

void websocket_session::enqueue(frame_batch frames) {
  if (closing_ || closed_ || frames->empty())
    return;
  queue_.push_back(std::move(frames));
  if (!writing_)
    write_next();
}

void websocket_session::write_next() {
  // Everything queued goes out as one message: one frame as it is (no copy),
  // several as a JSON array copied into out_. Copying small frames is cheaper
  // than a long buffer sequence, which the kernel takes 64 iovecs at a time.
  const auto max_bytes = state_->cfg.session.max_message_bytes;
  size_t count = 0;
  uint64_t bytes = 0;
  auto& first = *queue_[queue_head_];
  if (queue_.size() - queue_head_ == 1 && first.size() - queue_pos_ == 1) {
    in_flight_ = first[queue_pos_];
    pop_batch();
    count = 1;
    bytes = in_flight_->size();
  } else {
    out_.clear();
    out_ += '[';
    while (queue_head_ < queue_.size()) {
      auto& batch = *queue_[queue_head_];
      for (; queue_pos_ < batch.size(); ++queue_pos_) {
        auto& f = *batch[queue_pos_];
        if (count > 0 && bytes + f.size() > max_bytes)
          break;
        if (count > 0)
          out_ += ',';
        out_ += f;
        bytes += f.size();
        ++count;
      }
      if (queue_pos_ < batch.size())
        break; // the message is full; the rest goes next
      pop_batch();
    }
    out_ += ']';
  }
  writing_ = true;
  // A client that sends but never reads fills its receive window; the write
  // then never completes. The deadline closes the connection instead.
  beast::get_lowest_layer(ws_).expires_after(state_->cfg.write_timeout);
  in_flight_bytes_ = bytes;
  ++stat_messages_;
  stat_frames_ += count;
  stat_bytes_ += in_flight_ ? bytes : out_.size();
  asio::const_buffer buffer = in_flight_ ? asio::buffer(*in_flight_)
                                         : asio::const_buffer(asio::buffer(out_));
  ws_.async_write(buffer,
                  beast::bind_front_handler(&websocket_session::on_write,
                                            shared_from_this()));
}

void websocket_session::on_write(boost::system::error_code ec, std::size_t) {
  writing_ = false;
  if (!closing_)
    beast::get_lowest_layer(ws_).expires_never();
  in_flight_.reset();
  // A large message does not leave its buffer behind on an idle connection.
  if (out_.capacity() > small_buffer_bytes)
    std::string{}.swap(out_);
  if (ec) {
    fail(ec, "websocket write", id_);
    clear_queue();
    return; // the pending read fails too and reports the close
  }
  written_total_ += std::exchange(in_flight_bytes_, 0);
  if (stat_messages_ >= stats_step)
    flush_stats();
  report_written();
  if (queue_head_ < queue_.size() && !closing_)
    write_next();
}

// Drops the written front batch. The queue is a vector (an empty std::deque
// would allocate on every connection) that starts over once drained.
void websocket_session::clear_queue() {
  std::vector<frame_batch>{}.swap(queue_);
  queue_head_ = 0;
  queue_pos_ = 0;
}

void websocket_session::pop_batch() {
  queue_[queue_head_++].reset();
  queue_pos_ = 0;
  if (queue_head_ == queue_.size()) {
    queue_head_ = 0;
    if (queue_.capacity() > 16)
      std::vector<frame_batch>{}.swap(queue_);
    else
      clear_queue();
  }
}

// Tells the session how far the writes got, if it asked and it is far enough.
void websocket_session::report_written() {
  if (notify_at_ == 0 || written_total_ < notify_at_ || !actor_)
    return;
  notify_at_ = 0;
  caf::anon_send(actor_, written_atom::value, written_total_);
}

void websocket_session::flush_stats() {
  bump(state_->stats.ws_messages_out_total, std::exchange(stat_messages_, 0));
  bump(state_->stats.ws_frames_out_total, std::exchange(stat_frames_, 0));
  bump(state_->stats.ws_bytes_out_total, std::exchange(stat_bytes_, 0));
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
  clear_queue();
  auth_timer_.cancel();
  // A write in flight finishes first (Beast suspends the close); the read
  // loop keeps running and ends with websocket::error::closed.
  websocket::close_reason cr{static_cast<websocket::close_code>(code),
                             beast::string_view{reason.data(), reason.size()}};
  // The close handshake, including a write still in flight, gets the
  // handshake timeout at most.
  beast::get_lowest_layer(ws_).expires_after(state_->cfg.handshake_timeout);
  ws_.async_close(cr, [self = shared_from_this()](boost::system::error_code ec) {
    fail(ec, "websocket close", self->id_);
  });
  if (code == websocket::close_code::policy_error
      || code == websocket::close_code::try_again_later) {
    // Closed for abuse (flooding, garbage, a slow consumer): the client is
    // not owed a closing handshake. Once the close frame had time to leave,
    // the socket is closed; whatever the client still sends is not read.
    bump(state_->stats.ws_abuse_closes_total);
    abuse_ = true;
    auth_timer_.expires_after(abuse_linger);
    auth_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted)
        return;
      boost::system::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().shutdown(
        asio::ip::tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->ws_).close();
    });
  }
}

void websocket_session::on_closed() {
  if (closed_)
    return;
  closed_ = true;
  clear_queue();
  if (!abuse_) // the abuse timer closes the socket; the others hold us
    auth_timer_.cancel();
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
