#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "actors/atoms.hpp"

namespace tidewire {

// The frames one connection has yet to write, with at most one batch in
// flight. Counts bytes so the owner can tell a slow consumer. Owned by one
// session actor; not thread-safe.
class outbound_queue {
public:
  void push(frame f) {
    queued_bytes_ += f->size();
    queued_.push_back(std::move(f));
  }

  // Queued plus in-flight bytes: what the client has not taken yet.
  uint64_t pending_bytes() const {
    return queued_bytes_ + in_flight_bytes_;
  }

  bool in_flight() const {
    return in_flight_;
  }

  // Takes the next batch (at most `max_frames`) when nothing is in flight;
  // an empty result means there is nothing to write now.
  std::vector<frame> take_batch(size_t max_frames) {
    std::vector<frame> batch;
    if (in_flight_ || queued_.empty())
      return batch;
    while (!queued_.empty() && batch.size() < max_frames) {
      auto size = queued_.front()->size();
      queued_bytes_ -= size;
      in_flight_bytes_ += size;
      batch.push_back(std::move(queued_.front()));
      queued_.pop_front();
    }
    in_flight_ = true;
    return batch;
  }

  // The batch in flight was written.
  void written() {
    in_flight_ = false;
    in_flight_bytes_ = 0;
  }

private:
  std::deque<frame> queued_;
  uint64_t queued_bytes_ = 0;
  uint64_t in_flight_bytes_ = 0;
  bool in_flight_ = false;
};

} // namespace tidewire
