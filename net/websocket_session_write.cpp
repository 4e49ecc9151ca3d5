// The outbound half of a connection: batches queued by the session actor
// and written as one message each time the previous write completes.
#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "net/fail.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// Buffers up to this size stay with an idle connection; larger ones are
// given back after use.
constexpr size_t small_buffer_bytes = 4096;

// Written messages counted per connection before they are added to the
// shared metrics (and at the close).
constexpr uint64_t stats_step = 64;

// The longest MessagePack array header (array 32).
constexpr size_t max_array_header = 5;

// Writes msgpack's array header for `count` elements into the end of the
// max_array_header bytes reserved at the start of `out`; returns where the
// message starts.
size_t put_array_header(std::string& out, size_t count) {
  char header[max_array_header];
  size_t len = 0;
  if (count < 16) {
    header[len++] = static_cast<char>(0x90 | count);
  } else if (count <= 0xFFFF) {
    header[len++] = static_cast<char>(0xDC);
    header[len++] = static_cast<char>(count >> 8);
    header[len++] = static_cast<char>(count);
  } else {
    header[len++] = static_cast<char>(0xDD);
    for (int shift = 24; shift >= 0; shift -= 8)
      header[len++] = static_cast<char>(count >> shift);
  }
  const size_t start = max_array_header - len;
  out.replace(start, len, header, len);
  return start;
}

} // namespace

void websocket_session::deliver(frame_batch frames) {
  if (frames->empty())
    return;
  bool post = false;
  {
    std::lock_guard lock{inbox_mutex_};
    inbox_.push_back(std::move(frames));
    post = !std::exchange(inbox_watched_, true);
  }
  // A write in flight takes the inbox when it completes, and a drain already
  // posted takes it when it runs: only the first batch of a burst posts.
  if (post)
    asio::post(ws_.get_executor(),
               [self = shared_from_this()] { self->drain_inbox(); });
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

void websocket_session::drain_inbox() {
  if (take_inbox() && !writing_)
    write_next();
}

// Moves what the session handed over into the write queue. Returns whether
// there is a write in flight or one to start; while so, the strand takes the
// inbox again when the write completes, and deliver() need not post.
bool websocket_session::take_inbox() {
  std::lock_guard lock{inbox_mutex_};
  const bool open = !closing_ && !closed_;
  if (open)
    for (auto& batch : inbox_)
      queue_.push_back(std::move(batch));
  inbox_.clear();
  const bool busy = writing_ || (open && queue_head_ < queue_.size());
  if (!busy && inbox_.capacity() > 16)
    std::vector<frame_batch>{}.swap(inbox_);
  inbox_watched_ = busy;
  return busy;
}

void websocket_session::write_next() {
  // Everything queued goes out as one message: one frame as it is (no copy),
  // several as an array (JSON, or MessagePack on tidewire.v1.msgpack) copied
  // into out_. Copying small frames is cheaper than a long buffer sequence,
  // which the kernel takes 64 iovecs at a time.
  const auto max_bytes = state_->cfg.session.max_message_bytes;
  const bool json = format_ == wire_format::json;
  size_t count = 0;
  uint64_t bytes = 0;
  size_t start = 0; // where the message starts in out_
  auto& first = *queue_[queue_head_];
  if (queue_.size() - queue_head_ == 1 && first.size() - queue_pos_ == 1) {
    in_flight_ = first[queue_pos_];
    pop_batch();
    count = 1;
    bytes = in_flight_->in(format_).size();
  } else {
    out_.clear();
    out_.reserve(message_size(max_bytes));
    // A MessagePack array's header holds its length: room is kept for the
    // largest and the real one is written once the length is known.
    out_.append(json ? 1 : max_array_header, json ? '[' : '\0');
    while (queue_head_ < queue_.size()) {
      auto& batch = *queue_[queue_head_];
      for (; queue_pos_ < batch.size(); ++queue_pos_) {
        auto& f = batch[queue_pos_]->in(format_);
        if (count > 0 && bytes + f.size() > max_bytes)
          break;
        if (json && count > 0)
          out_ += ',';
        out_ += f;
        bytes += f.size();
        ++count;
      }
      if (queue_pos_ < batch.size())
        break; // the message is full; the rest goes next
      pop_batch();
    }
    if (json)
      out_ += ']';
    else
      start = put_array_header(out_, count);
  }
  writing_ = true;
  // A client that sends but never reads fills its receive window; the write
  // then never completes. The deadline closes the connection instead.
  if (!write_deadline_)
    write_deadline_ = std::make_unique<write_deadline>(ws_.get_executor());
  write_deadline_->started = std::chrono::steady_clock::now();
  if (!write_deadline_->armed)
    arm_write_timer(write_deadline_->started + state_->cfg.write_timeout);
  in_flight_bytes_ = bytes;
  ++stat_messages_;
  stat_frames_ += count;
  stat_bytes_ += in_flight_ ? bytes : out_.size() - start;
  asio::const_buffer buffer =
    in_flight_ ? asio::const_buffer(asio::buffer(in_flight_->in(format_)))
               : asio::const_buffer(out_.data() + start, out_.size() - start);
  ws_.async_write(buffer,
                  beast::bind_front_handler(&websocket_session::on_write,
                                            shared_from_this()));
}

void websocket_session::on_write(boost::system::error_code ec, std::size_t) {
  writing_ = false;
  in_flight_.reset();
  if (ec) {
    fail(ec, "websocket write", id_);
    std::string{}.swap(out_);
    clear_queue();
    return; // the pending read fails too and reports the close
  }
  written_total_ += std::exchange(in_flight_bytes_, 0);
  if (stat_messages_ >= stats_step)
    flush_stats();
  report_written();
  if (take_inbox())
    write_next(); // a busy connection reuses its buffer
  else if (out_.capacity() > small_buffer_bytes)
    std::string{}.swap(out_); // an idle one does not keep a large one
}

void websocket_session::arm_write_timer(
  std::chrono::steady_clock::time_point at) {
  auto& d = *write_deadline_;
  d.armed = true;
  d.timer.expires_at(at);
  d.timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->write_deadline_->armed = false;
    if (ec != asio::error::operation_aborted)
      self->on_write_timer();
  });
}

// Idle: the timer goes (the next write makes one). A write in flight is
// closed once it is write_timeout old; a younger one (the one the timer was
// armed for completed) is checked again when it will be.
void websocket_session::on_write_timer() {
  if (closed_)
    return;
  if (!writing_) {
    write_deadline_.reset(); // inside its handler: nothing waits on it
    return;
  }
  auto due = write_deadline_->started + state_->cfg.write_timeout;
  if (due > std::chrono::steady_clock::now())
    return arm_write_timer(due);
  // As Beast's own timeout does: the write (and the read) fail, and the
  // read loop's end reports the close.
  beast::get_lowest_layer(ws_).close();
}

// The bytes of the next message (its frames, separators and array header):
// the buffer is sized once instead of growing frame by frame.
size_t websocket_session::message_size(uint64_t max_bytes) const {
  uint64_t bytes = 0; // of frames, counted as write_next counts them
  size_t count = 0;
  size_t pos = queue_pos_;
  for (size_t head = queue_head_; head < queue_.size(); ++head, pos = 0) {
    auto& batch = *queue_[head];
    for (; pos < batch.size(); ++pos) {
      auto size = batch[pos]->in(format_).size();
      if (count > 0 && bytes + size > max_bytes)
        return bytes + count + max_array_header + 1;
      bytes += size;
      ++count;
    }
  }
  return bytes + count + max_array_header + 1;
}

// Drops everything not yet written (the connection failed or closed).
void websocket_session::clear_queue() {
  std::vector<frame_batch>{}.swap(queue_);
  queue_head_ = 0;
  queue_pos_ = 0;
  std::lock_guard lock{inbox_mutex_};
  std::vector<frame_batch>{}.swap(inbox_);
  inbox_watched_ = false;
}

// Drops the written front batch. The queue is a vector (an empty std::deque
// would allocate on every connection) that starts over once drained.
void websocket_session::pop_batch() {
  queue_[queue_head_++].reset();
  queue_pos_ = 0;
  if (queue_head_ == queue_.size()) {
    queue_head_ = 0;
    if (queue_.capacity() > 16)
      std::vector<frame_batch>{}.swap(queue_);
    else
      queue_.clear();
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

} // namespace tidewire::net
