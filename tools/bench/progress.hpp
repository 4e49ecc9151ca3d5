#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "measure.hpp"

namespace tidewire::bench {

// What a connection of a run can reach. `ready`: welcomed (publisher) or
// subscribed (subscriber); `finished`: every publish answered (publisher) or
// every expected update received (subscriber); `closed`: its read loop ended.
enum class phase { ready, finished, closed };

enum class wait_result { reached, failed, timed_out };

// Counts the phases the connections of one run have reached, so the thread
// driving the run can wait for "all subscribed" with a deadline instead of
// polling. Connections call reach() and fail() from their strands; any thread
// may wait.
class progress {
public:
  void reach(phase p) {
    std::lock_guard lock{mutex_};
    ++reached_[static_cast<size_t>(p)];
    changed_.notify_all();
  }

  // A connection failed; waiters that stop on failures wake up.
  void fail() {
    std::lock_guard lock{mutex_};
    ++failures_;
    changed_.notify_all();
  }

  // Waits until `n` connections reached `p`, a connection failed (unless
  // `ignore_failures`), or `deadline` passed.
  wait_result wait(phase p, size_t n, clock_type::time_point deadline,
                   bool ignore_failures = false) {
    std::unique_lock lock{mutex_};
    auto& count = reached_[static_cast<size_t>(p)];
    bool done = changed_.wait_until(lock, deadline, [&] {
      return count >= n || (!ignore_failures && failures_ > 0);
    });
    if (count >= n)
      return wait_result::reached;
    return done ? wait_result::failed : wait_result::timed_out;
  }

  size_t reached(phase p) const {
    std::lock_guard lock{mutex_};
    return reached_[static_cast<size_t>(p)];
  }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::array<size_t, 3> reached_{};
  size_t failures_ = 0;
};

} // namespace tidewire::bench
