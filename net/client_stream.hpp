#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <boost/system/system_error.hpp>

#include "net/frame_lookahead.hpp"
#include "net/tls_context.hpp"

// The byte stream of one client connection, plain TCP or TLS, as one type:
// an http_session reads requests from it and hands it on to a
// websocket_session, so both serve http/ws and https/wss alike. All I/O,
// TLS records included, goes through the TCP layer (a beast::basic_stream),
// so its expiry bounds handshakes, reads and writes of both kinds, until a
// plain WebSocket drops it for the bare socket (go_bare): the TCP layer's
// state and its three timers are ~650 bytes a connection keeps for as
// long as it lives, and a WebSocket needs one deadline at a time.
//
// It is the lowest layer of the WebSocket stream (Beast's get_lowest_layer
// ends here): expires_after/expires_never, socket() and close() are the
// connection's whichever layer it has.
namespace tidewire::net {

struct tls_context {
  boost::asio::ssl::context ctx{boost::asio::ssl::context::tls_server};
};

class client_stream {
public:
  // The connection's strand by its own type (not the type-erased
  // any_io_executor): every post and completion through an erased executor
  // pays for copies, lookups and a dynamic_cast.
  using strand_type =
    boost::asio::strand<boost::asio::io_context::executor_type>;
  using tcp_layer = boost::beast::basic_stream<boost::asio::ip::tcp,
                                               strand_type>;
  using tls_layer = boost::beast::ssl_stream<tcp_layer>;
  using socket_type = tcp_layer::socket_type;
  using executor_type = strand_type;

  // Takes an accepted socket onto the strand it was accepted on (a new one
  // if none); with `tls` the stream speaks TLS once handshake() succeeded.
  client_stream(boost::asio::ip::tcp::socket&& socket,
                boost::asio::io_context& ioc, tls_context* tls);

  // Not moved once bare with a deadline armed (the deadline names the
  // socket); the WebSocket stream holds it in place.
  client_stream(client_stream&&) = default;
  ~client_stream() {
    if (deadline_) { // a wait still pending must not reach the socket
      deadline_->socket = nullptr;
      deadline_->timer.cancel();
    }
  }

  executor_type get_executor() noexcept {
    return bare_ ? bare_->get_executor() : tcp().get_executor();
  }

  // The TCP layer with its timeouts (HTTP, TLS). Not on a bare stream.
  tcp_layer& tcp() noexcept { return tls_ ? tls_->next_layer() : *plain_; }

  // A plain stream drops its TCP layer and keeps the bare socket; a TLS
  // stream stays as it is. For a WebSocket after the upgrade, with no
  // operation pending.
  void go_bare();

  socket_type& socket() noexcept { return bare_ ? *bare_ : tcp().socket(); }

  // The deadline of the pending and next operations: once it passes, the
  // socket is closed and they fail. One at a time; a later call replaces
  // it. On a bare stream it is made when armed and freed when disarmed, so
  // an idle connection holds none.
  void expires_after(std::chrono::steady_clock::duration timeout);
  void expires_never();

  // Closes the socket; pending operations fail.
  void close();
  friend void beast_close_socket(client_stream& stream) { stream.close(); }

  // The TLS layer, null for plain TCP.
  tls_layer* tls() noexcept { return tls_ ? &*tls_ : nullptr; }

  // What the first bytes on a TLS port turned out to be.
  enum class tls_start {
    ready,            // a TLS client, handshake done
    plain_http,       // not a TLS ClientHello: a plain-HTTP client
    detect_failed,    // the first bytes never came (ec says why)
    handshake_failed, // a TLS client whose handshake failed (ec says why)
  };
  using tls_start_handler =
    std::function<void(tls_start, boost::system::error_code)>;

  // Sniffs whether the first bytes are a TLS ClientHello and, if so,
  // completes the server handshake with the bytes already seen. Detection
  // and handshake together expire after `timeout`, so a client that
  // connects and stays silent is dropped. Must run on the strand, on a
  // stream made with a tls_context; the stream must not move and `buffer`
  // must stay alive until `done` runs. On ready the handshake's bytes are
  // consumed from `buffer`; on plain_http it holds the bytes read so far.
  void async_start_tls(boost::beast::flat_buffer& buffer,
                       std::chrono::steady_clock::duration timeout,
                       tls_start_handler done);

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (watch_max_ == 0)
      return read_into(buffers, std::forward<Handler>(handler));
    // Every byte read is shown to the lookahead before Beast parses it.
    auto ex = boost::asio::get_associated_executor(handler, get_executor());
    read_into(buffers,
              boost::asio::bind_executor(
                ex, [this, buffers, h = std::forward<Handler>(handler)](
                      boost::system::error_code ec, std::size_t n) mutable {
                  if (n > 0) {
                    if (!lookahead_)
                      lookahead_ = std::make_unique<frame_lookahead>(watch_max_);
                    lookahead_->feed_buffers(buffers, n);
                  }
                  h(ec, n);
                }));
  }

  // From here on the bytes read are shown to a frame_lookahead (a WebSocket
  // connection's frames, after its handshake, with Beast's
  // read_message_max, at least 1). The stream must not move after this.
  void watch_frames(std::size_t max_message) noexcept {
    watch_max_ = max_message;
  }
  // What was read ahead; null while nothing is (see drop_idle_lookahead).
  frame_lookahead* lookahead() noexcept { return lookahead_.get(); }
  // An idle connection keeps no lookahead: one is made when bytes arrive.
  void drop_idle_lookahead() noexcept {
    if (lookahead_ && lookahead_->idle())
      lookahead_.reset();
  }

  // Beast's synchronous read needs these to compile. A WebSocket connection
  // reads synchronously only messages its frame_lookahead says Beast holds
  // whole and plain, which need neither: reaching one fails the read (and
  // so the connection) instead of blocking the io thread.
  template <class Buffers>
  std::size_t read_some(const Buffers&, boost::system::error_code& ec) {
    ec = boost::asio::error::operation_not_supported;
    return 0;
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& b) {
    boost::system::error_code ec;
    read_some(b, ec);
    throw boost::system::system_error{ec};
  }
  template <class Buffers>
  std::size_t write_some(const Buffers&, boost::system::error_code& ec) {
    ec = boost::asio::error::operation_not_supported;
    return 0;
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& b) {
    boost::system::error_code ec;
    write_some(b, ec);
    throw boost::system::system_error{ec};
  }

  // The peer's close frame carried a code RFC 6455 does not allow (5000 and
  // above pass Beast's check): Beast echoes the code, but the connection
  // must fail with 1002. That echo, the next bare close frame written, goes
  // out as 1002 instead: inside TLS like any frame, and the close then ends
  // as usual (TLS close_notify, TCP shutdown).
  void refuse_close_code() noexcept { refuse_close_ = true; }

  // Ends the connection after the last response: over TLS a close_notify
  // first (the client can tell a complete answer from a cut one; bounded by
  // `timeout`), then the TCP shutdown. `done` runs after both, on the strand.
  void async_end(std::chrono::steady_clock::duration timeout,
                 std::function<void()> done);

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (refuse_close_ && is_bare_close(buffers)) {
      // Same length as the echo, so a partial write stays consistent.
      static constexpr unsigned char protocol_error_close[] = {0x88, 0x02,
                                                               0x03, 0xEA};
      auto out = boost::asio::buffer(protocol_error_close);
      if (bare_)
        return bare_->async_write_some(out, std::forward<Handler>(handler));
      if (tls_)
        return tls_->async_write_some(out, std::forward<Handler>(handler));
      return plain_->async_write_some(out, std::forward<Handler>(handler));
    }
    if (bare_)
      bare_->async_write_some(buffers, std::forward<Handler>(handler));
    else if (tls_)
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    else
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
  }

private:
  template <class MutableBuffers, class Handler>
  void read_into(const MutableBuffers& buffers, Handler&& handler) {
    if (bare_)
      bare_->async_read_some(buffers, std::forward<Handler>(handler));
    else if (tls_)
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    else
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
  }

  // A server close frame with a code and no reason (unmasked, 4 bytes).
  template <class ConstBuffers>
  static bool is_bare_close(const ConstBuffers& buffers) {
    if (boost::asio::buffer_size(buffers) != 4)
      return false;
    boost::asio::const_buffer first = *boost::asio::buffer_sequence_begin(buffers);
    return first.size() > 0
           && *static_cast<const unsigned char*>(first.data()) == 0x88;
  }

  // A bare stream's deadline, shared with its pending wait: a wait that
  // completes after the deadline was replaced or disarmed (or the stream
  // is gone) finds `armed` moved on or `socket` null and does nothing.
  struct deadline {
    using timer_type = boost::asio::basic_waitable_timer<
      std::chrono::steady_clock,
      boost::asio::wait_traits<std::chrono::steady_clock>, strand_type>;
    explicit deadline(socket_type& s) : timer(s.get_executor()), socket(&s) {}
    timer_type timer;
    socket_type* socket;
    uint64_t armed = 0;
  };

  std::optional<tcp_layer> plain_;
  std::optional<tls_layer> tls_;
  std::optional<socket_type> bare_;
  std::shared_ptr<deadline> deadline_;
  std::unique_ptr<frame_lookahead> lookahead_;
  std::size_t watch_max_ = 0; // 0: bytes read are not watched
  bool refuse_close_ = false;
};

// The WebSocket close ends with a teardown of the stream (found by ADL):
// TLS sends close_notify first, TCP shuts down.
template <class Handler>
void async_teardown(boost::beast::role_type role, client_stream& stream,
                    Handler&& handler) {
  if (auto* tls = stream.tls())
    boost::beast::async_teardown(role, *tls, std::forward<Handler>(handler));
  else
    boost::beast::websocket::async_teardown(role, stream.socket(),
                                            std::forward<Handler>(handler));
}

inline void teardown(boost::beast::role_type role, client_stream& stream,
                     boost::system::error_code& ec) {
  if (auto* tls = stream.tls())
    boost::beast::teardown(role, *tls, ec);
  else
    boost::beast::websocket::teardown(role, stream.socket(), ec);
}

} // namespace tidewire::net
