#pragma once

#include <optional>
#include <string>
#include <string_view>

// WebSocket handshake decisions. Pure functions, no Beast.
namespace tidewire::net {

inline constexpr std::string_view json_subprotocol = "tidewire.v1.json";
inline constexpr std::string_view msgpack_subprotocol = "tidewire.v1.msgpack";

// Chooses the subprotocol from a Sec-WebSocket-Protocol header value (a
// comma-separated list in the client's order of preference, possibly
// empty). Returns "" when the client offered none (JSON without echoing a
// subprotocol), the first offered one the node speaks (json_subprotocol or
// msgpack_subprotocol), nullopt when only unsupported ones are offered (the
// handshake is refused with 400).
std::optional<std::string> negotiate_subprotocol(std::string_view offered);

} // namespace tidewire::net
