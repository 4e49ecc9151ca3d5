#include "bench_args.hpp"

#include <iostream>
#include <limits>
#include <string_view>

#include "flag_text.hpp"

#include "storage/data_dir.hpp"

namespace tidewire::bench {

bool parse_args(int argc, char** argv, bench_args* out, std::string* error) {
  return read_flags(argc, argv, &out->help, error,
                    [out](flag_text flag) -> std::optional<bool> {
    auto [name, value, ok] = flag;
    if (name == "--dir") {
      out->dir = std::string{value};
      return ok && !value.empty();
    }
    if (name == "--count")
      return ok && parse_number<uint64_t>(value, 1, UINT64_MAX, &out->count);
    if (name == "--seconds")
      return ok && parse_number(value, 1e-3,
                                std::numeric_limits<double>::max(),
                                &out->seconds);
    return std::nullopt;
  });
}

std::string scenario_flags_help(const char* counted, const char* phase) {
  return std::string{
           "  --dir=PATH    where the stores are created, one sub-directory per\n"
           "                scenario, each removed after its run (default: a new\n"
           "                temporary directory, removed at the end)\n"
           "  --count=N     "}
         + counted + " per scenario, at most (default 20000)\n"
         + "  --seconds=S   time limit of each " + phase
         + " phase (default 3); a\n"
           "                scenario stops at whichever limit comes first\n"
           "  --help        this text\n";
}

std::optional<int> start_bench(const char* name, const std::string& usage,
                               int argc, char** argv, bench_args* args,
                               bool* owned) {
  std::string error;
  if (!parse_args(argc, argv, args, &error)) {
    std::cerr << name << ": " << error << "\n\n" << usage;
    return 2;
  }
  if (args->help) {
    std::cout << usage;
    return 0;
  }
  *owned = args->dir.empty();
  if (*owned) {
    auto st = storage::data_dir::make_temp_dir(
      std::string{"tidewire-"} + name + "-", &args->dir);
    if (!st.ok()) {
      std::cerr << name << ": " << st.ToString() << '\n';
      return 1;
    }
  }
  return std::nullopt;
}

} // namespace tidewire::bench
