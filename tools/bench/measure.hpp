#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

// Measuring helpers shared by the benchmarks.
namespace tidewire::bench {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start);

// A JSON object of exactly `size` bytes (at least 10), like an update.
std::string payload_of(size_t size, uint64_t n);

// The p-quantile (0..1) of `v`, reordering it; 0 when empty.
double percentile(std::vector<double>& v, double p);

// n / seconds, 0 when no time passed.
double rate(uint64_t n, double seconds);

// `value` printed with a printf format ("%.0f").
std::string fmt(const char* format, double value);

} // namespace tidewire::bench
