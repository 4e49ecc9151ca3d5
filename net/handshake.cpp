#include "net/handshake.hpp"

namespace tidewire::net {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<std::string> negotiate_subprotocol(std::string_view offered) {
  bool any = false;
  while (!offered.empty()) {
    auto comma = offered.find(',');
    auto token = trim(offered.substr(0, comma));
    offered = comma == std::string_view::npos ? std::string_view{}
                                              : offered.substr(comma + 1);
    if (token.empty())
      continue;
    any = true;
    if (token == json_subprotocol)
      return std::string{json_subprotocol};
  }
  if (!any)
    return std::string{};
  return std::nullopt;
}

} // namespace tidewire::net
