#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "actors/atoms.hpp"
#include "storage/record.hpp"

namespace tidewire {

// The most recent committed updates of one channel with their encoded
// frames, for catch-ups that need no store read. Seqs in the ring are
// consecutive. Owned by one channel actor; not thread-safe.
class update_ring {
public:
  struct entry {
    storage::record rec;
    frame encoded;
  };

  explicit update_ring(size_t capacity) : capacity_(capacity ? capacity : 1) {
  }

  void push(storage::record rec, frame encoded) {
    if (!entries_.empty() && rec.seq != last_seq() + 1)
      entries_.clear(); // never keep a ring with a hole in it
    entries_.push_back({std::move(rec), std::move(encoded)});
    if (entries_.size() > capacity_)
      entries_.pop_front();
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
  size_t index_of(uint64_t seq) const {
    if (empty() || seq <= first_seq())
      return 0;
    return static_cast<size_t>(seq - first_seq());
  }

  size_t capacity_;
  std::deque<entry> entries_;
};

} // namespace tidewire
