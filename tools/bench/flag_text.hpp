#pragma once

#include <charconv>
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

} // namespace tidewire::bench
