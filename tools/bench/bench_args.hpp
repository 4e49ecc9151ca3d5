#pragma once

#include <cstdint>
#include <optional>
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

// The help lines of those flags, for a benchmark that runs scenarios of up
// to --count `counted` (e.g. "publishes") in a `phase` (e.g. "publish") of
// up to --seconds, each on a store of its own under --dir.
std::string scenario_flags_help(const char* counted, const char* phase);

// What a benchmark's main does first: parses the flags, prints `usage` for
// --help, and finds the root directory of its stores: --dir, or a new
// temporary one (args->dir is set to it and *owned is true: remove it at the
// end). Returns the exit code to stop with (0 after --help, 2 on a bad flag,
// 1 when no directory could be made), or nullopt to run.
std::optional<int> start_bench(const char* name, const std::string& usage,
                               int argc, char** argv, bench_args* args,
                               bool* owned);

} // namespace tidewire::bench
