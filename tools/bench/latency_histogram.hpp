#pragma once

#include <cstdint>
#include <vector>

namespace tidewire::bench {

// Latencies in microseconds, counted in log-linear buckets: exact below
// 128 us, then 64 buckets per power of two (at most 1.6% wide). A subscriber
// keeps every sample of a long run in a few KiB instead of a vector per
// update. One owner at a time: a connection fills its own, and the run
// merges them after the network threads have stopped.
class latency_histogram {
public:
  void add(int64_t us); // negative counts as 0

  void merge(const latency_histogram& other);

  uint64_t count() const {
    return count_;
  }

  // The value below which a fraction q (0..1) of the samples lie, as the
  // middle of its bucket; 0 when empty.
  double quantile_us(double q) const;

  // The largest sample, exact.
  int64_t max_us() const {
    return max_;
  }

private:
  std::vector<uint64_t> buckets_; // grows to the largest bucket used
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

} // namespace tidewire::bench
