#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "actors/atoms.hpp"
#include "storage/record.hpp"

namespace tidewire {

// The most recent committed updates of one channel with their encoded
// frames, for catch-ups that need no store read. Seqs in the ring are
// consecutive. Bounded in count and in bytes: with large updates a count
// alone would let one channel hold gigabytes. Owned by one channel actor;
// not thread-safe.
class update_ring {
public:
  struct entry {
    storage::record rec;
    frame encoded;
  };

  // What an entry costs: its data, key and JSON frame, plus a flat amount
  // for the record, the frame object and the deque slot, so that many tiny
  // updates count too. (A MessagePack form a frame gets later, for a
  // MessagePack subscriber, is not counted.)
  static constexpr size_t entry_overhead = 128;

  static size_t bytes_of(const storage::record& rec, const frame& encoded) {
    return rec.data.size() + rec.key.size()
           + (encoded ? encoded->json().size() : 0) + entry_overhead;
  }

  update_ring(size_t capacity, size_t max_bytes)
    : capacity_(capacity ? capacity : 1), max_bytes_(max_bytes) {
  }

  // Older entries leave first. An update larger than max_bytes on its own
  // leaves the ring empty: readers then go to the store (or, memory only,
  // find it gone).
  void push(storage::record rec, frame encoded) {
    if (!entries_.empty() && rec.seq != last_seq() + 1)
      clear(); // never keep a ring with a hole in it
    bytes_ += bytes_of(rec, encoded);
    entries_.push_back({std::move(rec), std::move(encoded)});
    while (!entries_.empty()
           && (entries_.size() > capacity_ || bytes_ > max_bytes_))
      pop_front();
  }

  // Bytes the entries count for (bytes_of each); never above max_bytes.
  size_t bytes() const {
    return bytes_;
  }

  bool empty() const {
    return entries_.empty();
  }

  size_t size() const {
    return entries_.size();
  }

  // Seq of the oldest entry; only meaningful when !empty().
  uint64_t first_seq() const {
    return entries_.front().rec.seq;
  }

  uint64_t last_seq() const {
    return entries_.back().rec.seq;
  }

  // True when every seq in [from, last_seq()] is in the ring.
  bool covers(uint64_t from) const {
    return !empty() && from >= first_seq();
  }

  // Frames of the entries with seq >= from, at most `limit`, oldest first.
  std::vector<frame> frames_from(uint64_t from, size_t limit = SIZE_MAX) const {
    std::vector<frame> out;
    for (auto i = index_of(from); i < entries_.size() && out.size() < limit; ++i)
      out.push_back(entries_[i].encoded);
    return out;
  }

  std::vector<storage::record> records_from(uint64_t from, size_t limit) const {
    std::vector<storage::record> out;
    for (auto i = index_of(from); i < entries_.size() && out.size() < limit; ++i)
      out.push_back(entries_[i].rec);
    return out;
  }

private:
  void clear() {
    entries_.clear();
    bytes_ = 0;
  }

  void pop_front() {
    bytes_ -= bytes_of(entries_.front().rec, entries_.front().encoded);
    entries_.pop_front();
  }

  size_t index_of(uint64_t seq) const {
    if (empty() || seq <= first_seq())
      return 0;
    return static_cast<size_t>(seq - first_seq());
  }

  size_t capacity_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::deque<entry> entries_;
};

} // namespace tidewire
