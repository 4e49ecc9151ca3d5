#include "bench_args.hpp"

#include <charconv>
#include <iostream>
#include <string_view>

#include "storage/data_dir.hpp"

namespace tidewire::bench {

namespace {

template <class T>
bool parse_number(std::string_view text, T* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

} // namespace

bool parse_args(int argc, char** argv, bench_args* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--help" || arg == "-h") {
      out->help = true;
      continue;
    }
    auto eq = arg.find('=');
    auto name = arg.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{}
                                              : arg.substr(eq + 1);
    bool ok = eq != std::string_view::npos;
    if (name == "--dir") {
      ok = ok && !value.empty();
      out->dir = std::string{value};
    } else if (name == "--count") {
      ok = ok && parse_number(value, &out->count) && out->count > 0;
    } else if (name == "--seconds") {
      ok = ok && parse_number(value, &out->seconds) && out->seconds > 0;
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
