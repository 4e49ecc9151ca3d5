// libFuzzer target: the WebSocket message decoder (JSON subprotocol) and the
// JWT verifier's parsing, on arbitrary bytes. Must never crash, hang or
// trip a sanitizer; every outcome is a request or a request_error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actors/auth/claims.hpp"
#include "net/request_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  tidewire::net::parser_limits limits;
  limits.max_frame = 4096; // small, so the too_large paths are reached too
  auto outcomes = tidewire::net::parse_text_frame(text, limits);
  if (outcomes.empty())
    __builtin_trap(); // the decoder promises at least one outcome
  for (auto& o : outcomes)
    if (auto* pub = std::get_if<tidewire::publish_request>(&o))
      if (pub->data_json.size() > limits.max_frame)
        __builtin_trap();
  std::string error;
  (void) tidewire::auth::parse_claims(text, error);
  return 0;
}
