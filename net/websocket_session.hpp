#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <caf/actor.hpp>

#include "actors/client_link.hpp"
#include "actors/auth/claims.hpp"
#include "net/client_stream.hpp"
#include "net/read_buffer.hpp"
#include "net/request_parser.hpp"

namespace tidewire::net {

struct server_state;

// One WebSocket connection on its own strand, paired with one session actor.
//
//   client ──text frame──▶ on_read ──parse_text_frame──▶ session actor
//          (binary frame on tidewire.v1.msgpack: msgpack_wire::to_json first)
//   client ◀──one message── write ◀──deliver(batch)───── session actor
//                                   └──written_atom────▶ (only when asked)
//
// deliver() appends to `inbox_` and posts to the strand only when the strand
// is not already bound to look at it (a drain posted, or a write in flight
// whose completion takes the inbox): a connection under load costs one post
// per burst, not one per batch. Batches that arrive while a write is in
// flight all go out as the next write (one message, up to
// max_message_bytes). deliver(), notify_written() and close() are the only
// members called from other threads (the session actor's); the inbox is the
// only state they touch, under its own mutex (shared by exactly these two
// parties, like a mailbox). Everything else runs on the strand. The session actor holds this object as its client_link until it
// quits, which it does once told closed_atom.
class websocket_session : public client_link,
                          public std::enable_shared_from_this<websocket_session> {
public:
  // Protocol errors tolerated on one connection before it is closed with
  // 1008: a client that keeps sending garbage is broken or hostile.
  static constexpr uint32_t max_protocol_errors = 100;
  // Messages one read pass takes at most, so a flood from one client does
  // not hold an io thread (a pass takes only what Beast already holds).
  static constexpr unsigned max_messages_per_pass = 64;

  websocket_session(client_stream&& stream, std::shared_ptr<server_state> state,
                    uint64_t conn_id);
  ~websocket_session() override;

  // Completes the handshake for the upgrade request `req`, answering with
  // `subprotocol` ("" for none). `claims` are the rights of a token verified
  // at the handshake (anonymous ones with --auth=none); nullopt when auth is
  // on and no token came yet: the client may then only send `auth`. Must run
  // on the socket's strand.
  void run(boost::beast::http::request<boost::beast::http::string_body> req,
           std::string subprotocol, std::optional<auth::claims> claims);

  // Keeps `slot` (the connection's place in the connection limits) for the
  // session's life.
  void hold(std::shared_ptr<void> slot) { slot_ = std::move(slot); }

  void deliver(frame_batch frames) override;               // any thread
  void notify_written(uint64_t total) override;            // any thread
  void close(uint16_t code, std::string reason) override; // any thread
  // Set by run() before the session actor exists, constant after.
  wire_format format() const override {
    return format_;
  }

  // Tells the actor the connection is gone. Only when no io thread runs.
  void abandon();

  // The registry took us in (not closing): spawns the session actor and
  // starts reading, on the strand. Any thread.
  void admitted();

private:
  void on_accept(boost::system::error_code ec);
  void start();
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void handle_message(std::string_view bytes, bool text);
  void handle_json(std::string_view text);
  void send_publishes();
  bool admit_message(); // the per-connection message rate limit
  void handle_auth(const auth_request& msg);
  void arm_auth_timer();
  void on_peer_close();
  void protocol_error(const std::string& code, const std::string& message,
                      const std::string& id_json);
  void drain_inbox();
  bool take_inbox();
  void write_next();
  size_t message_size(uint64_t max_bytes) const;
  void report_written();
  void pop_batch();
  void clear_queue();
  void flush_stats();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void arm_write_timer(std::chrono::steady_clock::time_point at);
  void on_write_timer();
  void start_close(uint16_t code, std::string reason);
  void on_closed();

  // Plain TCP or TLS; its executor is the connection's strand by its own
  // type (client_stream.hpp).
  using strand_type = client_stream::strand_type;
  using timer_type = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock,
    boost::asio::wait_traits<std::chrono::steady_clock>, strand_type>;

  boost::beast::websocket::stream<client_stream> ws_;
  read_buffer buffer_;
  // Publishes read in this pass, not yet handed to the session actor (a
  // vector of on_read's while a pass runs, null otherwise).
  std::vector<publish_request>* publishes_ = nullptr;
  std::shared_ptr<server_state> state_;
  const uint64_t id_;
  caf::actor actor_;
  parser_limits limits_;
  // The session actor's hand-over: batches not yet taken by the strand.
  std::mutex inbox_mutex_;
  std::vector<frame_batch> inbox_;
  bool inbox_watched_ = false; // the strand will take the inbox unprompted
  std::vector<frame_batch> queue_; // batches waiting for the next write
  size_t queue_head_ = 0;          // queue_[0, queue_head_) are written
  size_t queue_pos_ = 0;           // frames of queue_[queue_head_] written
  frame in_flight_;               // a lone frame written in place
  std::string out_;               // several frames copied into one message
  uint64_t in_flight_bytes_ = 0;  // frame bytes of the write in flight
  uint64_t written_total_ = 0;    // frame bytes written since the open
  uint64_t notify_at_ = 0;        // report when written_total_ reaches it
  // Counters added to the shared metrics in steps, not per write: shared
  // atomics per write would make every io thread fight over cache lines.
  uint64_t stat_messages_ = 0;
  uint64_t stat_frames_ = 0;
  uint64_t stat_bytes_ = 0;
  // The write timeout. Beast's stream timeout would arm and cancel a timer
  // on every write (a timer-queue insert, a cancel and a completion each);
  // this one is armed once per write_timeout while writes go on and checks
  // the write in flight when it fires. Made at a write and dropped when it
  // fires on an idle connection: an idle one keeps only the pointer.
  struct write_deadline {
    explicit write_deadline(const strand_type& ex) : timer(ex) {}
    timer_type timer;
    std::chrono::steady_clock::time_point started; // of the write in flight
    bool armed = false;
  };
  std::unique_ptr<write_deadline> write_deadline_;
  std::shared_ptr<void> slot_;
  // Authentication: the deadline for a first token, then the warning before
  // and the close at the token's `exp`; also the linger of an abuse close.
  // Made when first armed: with --auth=none an idle connection never needs
  // it, and it is ~100 bytes. Typed: an erased executor is a heap block.
  std::unique_ptr<timer_type> auth_timer_;
  timer_type& auth_timer();
  // The handshake's claims, until start() hands them to the session actor,
  // which owns the connection's rights from then on.
  std::unique_ptr<auth::claims> handshake_claims_;
  // What this side needs of the current token; nullopt: not authenticated.
  struct token_state {
    bool anonymous = true;
    int64_t exp = 0; // seconds since the epoch; 0: never
  };
  std::optional<token_state> claims_;
  // Message rate token bucket (--max-messages-per-s).
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
  uint32_t rate_strikes_ = 0;
  uint32_t errors_ = 0;
  wire_format format_ = wire_format::json; // from the subprotocol
  bool expiry_warned_ = false;
  bool abuse_ = false; // closed for abuse: dropped after abuse_linger
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false; // our close handshake started
  bool closed_ = false;  // the read loop ended; the actor was told
};

} // namespace tidewire::net
