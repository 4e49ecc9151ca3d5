#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tidewire::bench {

namespace {

constexpr int sub_bits = 6;                     // 64 buckets per octave
constexpr uint64_t exact = uint64_t{2} << sub_bits; // 0..127 us one each
constexpr int64_t ceiling = int64_t{1} << 40;   // 12 days: clamps nonsense

size_t index_of(uint64_t v) {
  if (v < exact)
    return v;
  auto shift = std::bit_width(v) - 1 - sub_bits; // >= 1
  auto top = v >> shift;                          // in [64, 128)
  return exact + (shift - 1) * (exact / 2) + (top - exact / 2);
}

double middle_of(size_t index) {
  if (index < exact)
    return static_cast<double>(index);
  auto shift = (index - exact) / (exact / 2) + 1;
  auto top = (index - exact) % (exact / 2) + exact / 2;
  auto low = static_cast<double>(top << shift);
  return low + static_cast<double>(uint64_t{1} << shift) / 2;
}

} // namespace

void latency_histogram::add(int64_t us) {
  us = std::clamp<int64_t>(us, 0, ceiling);
  auto i = index_of(static_cast<uint64_t>(us));
  if (i >= buckets_.size())
    buckets_.resize(i + 1);
  ++buckets_[i];
  ++count_;
  max_ = std::max(max_, us);
}

void latency_histogram::merge(const latency_histogram& other) {
  if (other.buckets_.size() > buckets_.size())
    buckets_.resize(other.buckets_.size());
  for (size_t i = 0; i < other.buckets_.size(); ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

double latency_histogram::quantile_us(double q) const {
  if (count_ == 0)
    return 0;
  // The rank of the sample sought, counted from 1.
  auto rank = std::max<uint64_t>(
    1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::min(middle_of(i), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

} // namespace tidewire::bench
