#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/messages.hpp"

// Decoding and validation of client messages of protocol v1 (JSON
// subprotocol). Pure functions: no Beast, no actors, no I/O, so every bad
// input can be unit-tested (tests/net/request_parser.cpp).
//
// What the WebSocket session does with each outcome:
//   subscribe_request, unsubscribe_request, publish_request
//                      anon_send to the session actor
//   ping_request       (reply_atom, frames::pong(id_json)) to the session actor
//   auth_request       answered by the session (auth is not enabled yet)
//   request_error      (reply_atom, frames::error(code, message, id_json)),
//                      counted towards the connection's protocol error limit
namespace tidewire::net {

struct ping_request {
  std::string id_json;
};

struct auth_request {
  std::string token;
  std::string id_json;
};

struct request_error {
  std::string code;    // protocol error code: bad_request, unknown_type, ...
  std::string message; // human-readable, names the offending field
  std::string id_json; // the request's id when it could be read, else ""
};

using client_request =
  std::variant<subscribe_request, unsubscribe_request, publish_request,
               ping_request, auth_request, request_error>;

struct parser_limits {
  // Largest serialised `data` of a publish (too_large above it). The same
  // value as the WebSocket read limit, so it only bites when re-serialising
  // grows the text, but HTTP and WebSocket then agree.
  size_t max_frame = 64 * 1024;
  // Most messages accepted in one array frame. A longer array is answered
  // with one bad_request and none of its messages is processed.
  size_t max_batch = 64;
  // Deepest JSON nesting accepted; deeper input is bad_request before it is
  // parsed, so neither parsing nor re-serialising can exhaust an io thread's
  // stack.
  size_t max_depth = 64;
};

// Decodes one text frame: one message object, or an array of message objects
// (1..max_batch) processed in order. Returns one outcome per message; a frame
// that cannot be decoded at all yields exactly one request_error.
std::vector<client_request> parse_text_frame(std::string_view text,
                                             const parser_limits& limits = {});

// True when `text` nests arrays/objects at most `max_depth` deep (a lexical
// scan that honours strings and escapes; it does not validate the JSON).
bool json_depth_ok(std::string_view text, size_t max_depth);

} // namespace tidewire::net
