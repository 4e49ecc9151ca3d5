#pragma once

#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include <caf/error.hpp>

#include "actors/errors.hpp"

// The value parsers every group of flags shares: a flag's setter takes the
// flag's name (for the message) and its text, and returns a readable
// errc::bad_request on a bad value.
namespace tidewire::node {

using flag_setter =
  std::function<caf::error(const std::string& flag, const std::string& value)>;
using flag_table = std::map<std::string, flag_setter>;

inline caf::error bad(std::string message) {
  return make_error(errc::bad_request, std::move(message));
}

template <class T>
caf::error parse_number(const std::string& flag, const std::string& text,
                        T min, T max, T& out) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min
      || value > max)
    return bad("--" + flag + " expects a number from " + std::to_string(min)
               + " to " + std::to_string(max) + ", got '" + text + "'");
  out = value;
  return {};
}

// A whole number of seconds from 1 to a day.
caf::error parse_seconds(const std::string& flag, const std::string& text,
                         std::chrono::seconds& out);

caf::error parse_bool(const std::string& flag, const std::string& text,
                      bool& out);

// A setter storing a non-empty text.
flag_setter text_flag(std::string& out);

// A setter for a number in [min, max].
template <class T>
flag_setter number_flag(T& out, T min, T max) {
  return [&out, min, max](const std::string& f, const std::string& v) {
    return parse_number<T>(f, v, min, max, out);
  };
}

} // namespace tidewire::node
