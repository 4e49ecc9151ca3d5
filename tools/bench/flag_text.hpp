#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

// Reading `--name=value` arguments, shared by the benchmarks' flag parsers.
namespace tidewire::bench {

struct flag_text {
  std::string_view name;  // "--count"
  std::string_view value; // "100"; empty without '='
  bool has_value = false; // there was an '='
};

// Splits one argument at its first '='.
inline flag_text split_flag(std::string_view arg) {
  auto eq = arg.find('=');
  if (eq == std::string_view::npos)
    return {arg, {}, false};
  return {arg.substr(0, eq), arg.substr(eq + 1), true};
}

// Parses all of `text` as a number within [min, max]; *out is only written
// on success.
template <class T>
bool parse_number(std::string_view text, T min, T max, T* out) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < min
      || value > max)
    return false;
  *out = value;
  return true;
}

// Reads argv as `--name=value` flags: `--help` and `-h` set *help, every
// other argument goes to `take(flag)`, which answers nullopt for a flag it
// does not know and false for a bad value. False, with a message in *error,
// at the first such argument.
template <class Take>
bool read_flags(int argc, char** argv, bool* help, std::string* error,
                Take&& take) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--help" || arg == "-h") {
      *help = true;
      continue;
    }
    std::optional<bool> ok = take(split_flag(arg));
    if (!ok || !*ok) {
      *error = (ok ? "bad value in " : "unknown flag ") + std::string{arg};
      return false;
    }
  }
  return true;
}

} // namespace tidewire::bench
