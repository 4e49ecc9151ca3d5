#pragma once

#include <cstdint>
#include <string>

namespace tidewire::bench {

struct bench_args {
  std::string dir;         // empty: a temp dir, removed afterwards
  uint64_t count = 20'000; // records appended (published) per scenario, at most
  double seconds = 3.0;    // append (publish) phase time limit per scenario
  bool help = false;
};

// Parses the `--name=value` flags every benchmark takes; false with a
// message in *error on a bad one.
bool parse_args(int argc, char** argv, bench_args* out, std::string* error);

} // namespace tidewire::bench
