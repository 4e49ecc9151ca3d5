#include "net/url.hpp"

#include <charconv>

#include "actors/hex_digit.hpp"

namespace tidewire::net {

split_target split(std::string_view target) {
  split_target out;
  auto end = target.find('#');
  if (end != std::string_view::npos)
    target = target.substr(0, end);
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    out.path = target;
  } else {
    out.path = target.substr(0, q);
    out.query = target.substr(q + 1);
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size())
      return std::nullopt;
    auto hi = hex_digit_value(in[i + 1]);
    auto lo = hex_digit_value(in[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos
                                  ? std::string_view{}
                                  : pair.substr(eq + 1));
    if (!key || !value)
      return std::nullopt;
    out.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 20)
    return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size())
    return std::nullopt;
  return value;
}

} // namespace tidewire::net
