// libFuzzer target: the WebSocket message decoders on arbitrary bytes: the
// JSON subprotocol's parser, the MessagePack one (msgpack_wire::to_json and
// then the same parser), and the JWT verifier's parsing. Must never crash,
// hang or trip a sanitizer; every outcome is a request or a request_error.
//
// An input starting with a NUL byte (never JSON) is MessagePack (the bytes
// after it); anything else is a JSON text frame, so one corpus serves both
// subprotocols. What the MessagePack decoder accepts
// must be JSON the parser reads (never "malformed JSON"), and converting
// that JSON back to MessagePack and again to JSON must give the same text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actors/auth/claims.hpp"
#include "actors/msgpack_wire.hpp"
#include "net/request_parser.hpp"

namespace {

void check_outcomes(std::string_view text,
                    const tidewire::net::parser_limits& limits) {
  auto outcomes = tidewire::net::parse_text_frame(text, limits);
  if (outcomes.empty())
    __builtin_trap(); // the decoder promises at least one outcome
  for (auto& o : outcomes)
    if (auto* pub = std::get_if<tidewire::publish_request>(&o))
      if (pub->data_json.size() > limits.max_frame)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  tidewire::net::parser_limits limits;
  limits.max_frame = 4096; // small, so the too_large paths are reached too
  if (size == 0 || data[0] != 0) {
    check_outcomes(input, limits);
    std::string error;
    (void) tidewire::auth::parse_claims(input, error);
    return 0;
  }
  input.remove_prefix(1);
  auto decoded = tidewire::msgpack_wire::to_json(input, limits.max_depth);
  if (!decoded.ok()) {
    if (decoded.error.empty())
      __builtin_trap();
    return 0;
  }
  auto outcomes = tidewire::net::parse_text_frame(decoded.json, limits);
  for (auto& o : outcomes)
    if (auto* err = std::get_if<tidewire::net::request_error>(&o))
      if (err->message == "malformed JSON")
        __builtin_trap(); // the decoder wrote JSON the parser cannot read
  check_outcomes(decoded.json, limits);
  auto again = tidewire::msgpack_wire::to_json(
    tidewire::msgpack_wire::from_json(decoded.json), limits.max_depth + 1);
  if (!again.ok())
    __builtin_trap();
  // Same value: equal JSON text, except that numbers of another spelling
  // (1e2 -> 100.0) may be respelt once; the second round is stable.
  auto third = tidewire::msgpack_wire::to_json(
    tidewire::msgpack_wire::from_json(again.json), limits.max_depth + 1);
  if (!third.ok() || third.json != again.json)
    __builtin_trap();
  return 0;
}
