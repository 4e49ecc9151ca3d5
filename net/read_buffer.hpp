#pragma once

#include <cstddef>

#include <boost/beast/core/flat_buffer.hpp>

namespace tidewire::net {

// The read buffer of one WebSocket connection, as a Beast DynamicBuffer.
//
// Beast's read operation prepares room in the buffer *before* it waits for
// data: with a plain flat_buffer every idle subscriber, whose read is always
// pending, holds 1.5 KiB (Beast's tcp_frame_size) it may never use. While
// this buffer is empty it offers room for one byte only (max_size() is 1),
// so a waiting read holds the smallest allocation there is; once a message
// starts arriving, Beast's next prepare is sized by the frame's payload and
// the full limit applies. release() gives everything back after a message
// was handled, so a connection never keeps the peak of a large message.
class read_buffer {
public:
  using const_buffers_type = boost::beast::flat_buffer::const_buffers_type;
  using mutable_buffers_type = boost::beast::flat_buffer::mutable_buffers_type;

  std::size_t size() const noexcept { return buf_.size(); }
  std::size_t max_size() const noexcept {
    return buf_.size() == 0 ? 1 : buf_.max_size();
  }
  std::size_t capacity() const noexcept { return buf_.capacity(); }
  const_buffers_type data() const noexcept { return buf_.data(); }
  const_buffers_type cdata() const noexcept { return buf_.cdata(); }
  mutable_buffers_type data() noexcept { return buf_.data(); }
  mutable_buffers_type prepare(std::size_t n) { return buf_.prepare(n); }
  void commit(std::size_t n) noexcept { buf_.commit(n); }
  void consume(std::size_t n) noexcept { buf_.consume(n); }

  // Drops the contents and frees the storage.
  void release() {
    buf_.consume(buf_.size());
    buf_.shrink_to_fit();
  }

private:
  boost::beast::flat_buffer buf_;
};

} // namespace tidewire::net
