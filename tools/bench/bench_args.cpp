#include "bench_args.hpp"

#include <iostream>
#include <limits>
#include <string_view>

#include "flag_text.hpp"

#include "storage/data_dir.hpp"

namespace tidewire::bench {

bool parse_args(int argc, char** argv, bench_args* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--help" || arg == "-h") {
      out->help = true;
      continue;
    }
    auto [name, value, ok] = split_flag(arg);
    if (name == "--dir") {
      ok = ok && !value.empty();
      out->dir = std::string{value};
    } else if (name == "--count") {
      ok = ok && parse_number<uint64_t>(value, 1, UINT64_MAX, &out->count);
    } else if (name == "--seconds") {
      ok = ok && parse_number(value, 1e-3, std::numeric_limits<double>::max(),
                              &out->seconds);
    } else {
      *error = "unknown flag " + std::string{arg};
      return false;
    }
    if (!ok) {
      *error = "bad value in " + std::string{arg};
      return false;
    }
  }
  return true;
}

std::optional<int> start_bench(const char* name, const char* usage, int argc,
                               char** argv, bench_args* args, bool* owned) {
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
