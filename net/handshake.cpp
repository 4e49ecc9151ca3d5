#include "net/handshake.hpp"

#include "net/http_rules.hpp"

namespace tidewire::net {

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
    if (token == json_subprotocol || token == msgpack_subprotocol)
      return std::string{token};
  }
  if (!any)
    return std::string{};
  return std::nullopt;
}

} // namespace tidewire::net
