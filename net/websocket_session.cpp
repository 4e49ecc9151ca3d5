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
  : ws_(std::move(socket)), state_(std::move(state)), id_(conn_id) {
  limits_.max_frame = state_->cfg.max_frame;
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
  // An idle connection keeps no read buffer: subscribers read rarely, and a
  // buffer would keep the peak size of any message ever read.
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
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

void websocket_session::deliver(frame_batch frames) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), frames = std::move(frames)]() mutable {
               self->enqueue(std::move(frames));
             });
}

void websocket_session::notify_written(uint64_t total) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), total] {
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
  clear_queue();
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
