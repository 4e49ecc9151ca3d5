#include "actors/msgpack_wire.hpp"

// How a JSON number travels in MessagePack (see msgpack_wire.hpp): shared by
// the encoder (msgpack_wire_encode.cpp) and the decoder
// (msgpack_wire_decode.cpp).

#include <charconv>
#include <cmath>
#include <optional>

namespace tidewire::msgpack_wire {

namespace {

// A decimal value as 0.DIGITS x 10^exp, DIGITS without leading or trailing
// zeros (empty for zero): two texts name the same value when these match.
struct decimal {
  bool negative = false;
  std::string digits;
  long exp = 0;
  bool operator==(const decimal&) const = default;
};

// `text` is a JSON number or what std::to_chars writes ("1e+21", "-0").
std::optional<decimal> canonical(std::string_view text) {
  decimal d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  long int_digits = 0;
  bool seen_point = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    char c = text[i];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9')
      return std::nullopt;
    d.digits.push_back(c);
    if (!seen_point)
      ++int_digits;
  }
  long e = 0;
  if (i < text.size()) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
      neg = text[i++] == '-';
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9')
        return std::nullopt;
      if (e < 100'000'000) // saturates: far beyond any double
        e = e * 10 + (text[i] - '0');
    }
    if (neg)
      e = -e;
  }
  size_t lead = 0;
  while (lead < d.digits.size() && d.digits[lead] == '0')
    ++lead;
  d.digits.erase(0, lead);
  while (!d.digits.empty() && d.digits.back() == '0')
    d.digits.pop_back();
  d.exp = d.digits.empty() ? 0 : int_digits - static_cast<long>(lead) + e;
  return d;
}

std::string shortest(double d) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

bool is_integer_text(std::string_view text) {
  return text.find_first_of(".eE") == std::string_view::npos;
}

} // namespace

bool is_json_number(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
      ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-')
    ++i;
  if (i < t.size() && t[i] == '0')
    ++i;
  else if (!digits())
    return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits())
      return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-'))
      ++i;
    if (!digits())
      return false;
  }
  return i == t.size();
}

number_form classify_number(std::string_view text) {
  if (is_integer_text(text) && text != "-0") {
    auto* end = text.data() + text.size();
    if (text.front() == '-') {
      int64_t v = 0;
      auto res = std::from_chars(text.data(), end, v);
      if (res.ec == std::errc{} && res.ptr == end)
        return number_form::integer;
    } else {
      uint64_t v = 0;
      auto res = std::from_chars(text.data(), end, v);
      if (res.ec == std::errc{} && res.ptr == end)
        return number_form::integer;
    }
  }
  double d = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), d);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()
      || !std::isfinite(d))
    return number_form::text;
  auto a = canonical(text);
  auto b = canonical(shortest(d));
  return a && b && *a == *b ? number_form::float64 : number_form::text;
}

std::string float_text(double d) {
  if (!std::isfinite(d))
    return {};
  auto text = shortest(d);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace tidewire::msgpack_wire
