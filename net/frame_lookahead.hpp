#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/detail/utf8_checker.hpp>

namespace tidewire::net {

// Follows the client-to-server WebSocket frames of one connection as its
// byte stream hands them to Beast, so the connection can tell whether the
// next message is already read and plain enough for Beast's synchronous
// read to return it without touching the socket.
//
// Why: a message Beast already holds completes an async_read by a post to
// the back of the io queue, behind every other connection's work, so a
// publisher's burst was read one message per pass of the io thread. With
// this the connection reads every such message in one pass.
//
// "Plain" is what Beast reads without writing anything (a synchronous read
// that must answer a ping, a close or a protocol error would write on its
// own, beside the connection's writes): one final, unfragmented text or
// binary frame, masked, no reserved bits (no compression), the length in
// its shortest encoding and within the message limit, and for text valid
// UTF-8 (checked with Beast's own checker). Anything else waits for the
// asynchronous read, which handles it as before.
class frame_lookahead {
public:
  // `max_message` is Beast's read_message_max (0: none).
  explicit frame_lookahead(uint64_t max_message = 0) noexcept
    : max_message_(max_message) {}

  // The next `n` bytes of the stream, in order (every byte Beast reads).
  template <class Buffers>
  void feed_buffers(const Buffers& buffers, std::size_t n) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         n > 0 && it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b = *it;
      auto take = b.size() < n ? b.size() : n;
      feed(static_cast<const uint8_t*>(b.data()), take);
      n -= take;
    }
  }
  void feed(const uint8_t* p, std::size_t n);

  // Beast completed a message: the oldest complete one is gone.
  void message_done() noexcept;

  // The message after the last completed one is complete and plain.
  bool next_ready() const noexcept {
    return head_ < messages_.size() && messages_[head_];
  }

  // Nothing fed is pending: no complete message Beast has not returned, no
  // partial frame, no control frame or fragment before the next message.
  // A fresh lookahead then says the same about what comes next, so an idle
  // connection need not keep one.
  bool idle() const noexcept {
    return messages_.empty() && header_len_ == 0 && !in_payload_ && plain_;
  }

private:
  void start_frame() noexcept;
  void end_frame() noexcept;

  uint64_t max_message_ = 0;
  // Complete messages not yet taken by Beast, oldest first: plain or not.
  std::vector<bool> messages_;
  std::size_t head_ = 0;
  // The frame being read.
  uint8_t header_[14];
  uint8_t header_len_ = 0; // bytes of header_ read so far
  uint8_t header_need_ = 2; // bytes the header has once its length is known
  uint64_t payload_left_ = 0;
  uint8_t mask_[4];
  uint8_t mask_pos_ = 0;
  bool in_payload_ = false;
  bool control_ = false; // the frame is a control frame
  bool text_ = false;  // the frame's payload is checked as UTF-8
  bool plain_ = true;  // the message so far is plain
  boost::beast::websocket::detail::utf8_checker utf8_;
};

} // namespace tidewire::net
