#include "net/frame_lookahead.hpp"

#include <algorithm>

namespace tidewire::net {

void frame_lookahead::feed(const uint8_t* p, std::size_t n) {
  while (n > 0) {
    if (!in_payload_) {
      while (n > 0 && header_len_ < header_need_) {
        header_[header_len_++] = *p++;
        --n;
        if (header_len_ == 2) {
          auto len7 = header_[1] & 0x7f;
          header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0)
                         + ((header_[1] & 0x80) != 0 ? 4 : 0);
        }
      }
      if (header_len_ < header_need_)
        return;
      start_frame();
      if (payload_left_ == 0) {
        end_frame();
        continue;
      }
    }
    auto take = static_cast<std::size_t>(
      std::min<uint64_t>(n, payload_left_));
    if (text_ && plain_) {
      // Unmasked into a small buffer: Beast unmasks its own copy later.
      uint8_t chunk[256];
      for (std::size_t done = 0; done < take && plain_;) {
        auto k = std::min(take - done, sizeof chunk);
        for (std::size_t i = 0; i < k; ++i)
          chunk[i] = p[done + i] ^ mask_[(mask_pos_ + i) & 3];
        mask_pos_ = static_cast<uint8_t>((mask_pos_ + k) & 3);
        if (!utf8_.write(chunk, k))
          plain_ = false;
        done += k;
      }
    }
    p += take;
    n -= take;
    payload_left_ -= take;
    if (payload_left_ == 0)
      end_frame();
  }
}

void frame_lookahead::start_frame() noexcept {
  bool fin = (header_[0] & 0x80) != 0;
  bool rsv = (header_[0] & 0x70) != 0;
  uint8_t op = header_[0] & 0x0f;
  bool masked = (header_[1] & 0x80) != 0;
  uint64_t len = header_[1] & 0x7f;
  std::size_t at = 2;
  bool shortest = true;
  if (len == 126) {
    len = (uint64_t{header_[2]} << 8) | header_[3];
    shortest = len >= 126;
    at = 4;
  } else if (len == 127) {
    len = 0;
    for (std::size_t i = 0; i < 8; ++i)
      len = (len << 8) | header_[2 + i];
    shortest = len > 0xffff && (len >> 63) == 0;
    at = 10;
  }
  if (masked)
    std::copy(header_ + at, header_ + at + 4, mask_);
  mask_pos_ = 0;
  payload_left_ = len;
  in_payload_ = true;
  control_ = (op & 0x8) != 0;
  // A control frame before the next message's end means Beast's read of
  // that message would answer it (or fail on it): the message is not plain.
  if (control_ || op == 0 || op > 2 || !fin || rsv || !masked || !shortest
      || (max_message_ != 0 && len > max_message_))
    plain_ = false;
  text_ = !control_ && op == 1 && plain_;
  if (text_)
    utf8_.reset();
}

void frame_lookahead::end_frame() noexcept {
  header_len_ = 0;
  header_need_ = 2;
  in_payload_ = false;
  bool fin = (header_[0] & 0x80) != 0;
  if (control_ || !fin)
    return; // the message goes on
  if (text_ && plain_ && !utf8_.finish())
    plain_ = false;
  messages_.push_back(plain_);
  plain_ = true;
  text_ = false;
}

void frame_lookahead::message_done() noexcept {
  if (head_ < messages_.size())
    ++head_;
  if (head_ == messages_.size()) {
    messages_.clear();
    head_ = 0;
  } else if (head_ >= 64 && 2 * head_ >= messages_.size()) {
    messages_.erase(messages_.begin(),
                    messages_.begin() + static_cast<long>(head_));
    head_ = 0;
  }
}

} // namespace tidewire::net
