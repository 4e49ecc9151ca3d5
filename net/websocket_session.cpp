// A connection's life: the handshake, the session actor it pairs with, and
// the close (ours, the peer's, or one for abuse). Reading is in
// websocket_session_read.cpp, writing in websocket_session_write.cpp.
#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "actors/session.hpp"
#include "net/fail.hpp"
#include "net/handshake.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

websocket_session::websocket_session(client_stream&& stream,
                                     std::shared_ptr<server_state> state,
                                     uint64_t conn_id)
  : ws_(std::move(stream)),
    state_(std::move(state)),
    id_(conn_id) {
  // Plain TCP: the bare socket. Beast's WebSocket stream has its own
  // timeouts, writes have the write timer and the close the stream's
  // deadline.
  ws_.next_layer().go_bare();
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

} // namespace

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
  if (claims) {
    claims_ = token_state{claims->anonymous, claims->exp};
    handshake_claims_ = std::make_unique<auth::claims>(std::move(*claims));
  }
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
  ws_.next_layer().watch_frames(cfg.max_frame);
  format_ = subprotocol == msgpack_subprotocol ? wire_format::msgpack
                                              : wire_format::json;
  ws_.text(format_ == wire_format::json);
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
  // The actor is spawned only once the registry has admitted us (start()):
  // a session actor that exists is always one the shutdown sweep reaches
  // (close_all, or abandon_all once the io threads stopped). Spawned before
  // admission, an actor whose admission was still queued when the io
  // context stopped was reached by neither, never quit, and the node hung
  // in shutdown.
  state_->registry.add(id_, shared_from_this());
}

void websocket_session::admitted() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->start(); });
}

void websocket_session::start() {
  if (closed_)
    return;
  if (!closing_) { // a drain that started meanwhile closed us already
    actor_ = spawn_session(state_->sys, state_->cfg.session,
                           session_identity{state_->cfg.node_name,
                                            state_->session_id(id_),
                                            handshake_claims_
                                              ? std::move(*handshake_claims_)
                                              : auth::nobody()},
                           shared_from_this(), state_->directory);
    arm_auth_timer();
  }
  handshake_claims_.reset();
  do_read(); // also while closing: the read ends the close handshake
}

websocket_session::timer_type& websocket_session::auth_timer() {
  if (!auth_timer_)
    auth_timer_ = std::make_unique<timer_type>(ws_.get_executor());
  return *auth_timer_;
}

void websocket_session::on_peer_close() {
  if (!close_code_out_of_range(ws_.reason().code))
    return;
  // Beast would echo the code; RFC 6455 says fail the connection with 1002:
  // the stream writes the echo as 1002, over TLS too.
  ws_.next_layer().refuse_close_code();
  closing_ = true;
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
  if (auth_timer_)
    auth_timer_->cancel();
  // A write in flight finishes first (Beast suspends the close); the read
  // loop keeps running and ends with websocket::error::closed.
  websocket::close_reason cr{static_cast<websocket::close_code>(code),
                             beast::string_view{reason.data(), reason.size()}};
  // The close handshake gets the handshake timeout at most (on a bare
  // stream that ends a data write still in flight too; over TLS that write
  // keeps its write timer).
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
    auth_timer().expires_after(abuse_linger);
    auth_timer().async_wait([self = shared_from_this()](boost::system::error_code ec) {
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
  if (write_deadline_)
    write_deadline_->timer.cancel();
  if (!abuse_ && auth_timer_) // the abuse timer closes the socket; the
    auth_timer_->cancel();     // others hold us
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
