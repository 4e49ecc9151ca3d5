#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The `tidewire.v1.msgpack` subprotocol: the same messages as the JSON one,
// as MessagePack values. The node keeps every message as JSON text (data
// exactly as published, see json_text.hpp) and converts at the edge:
// server frames are converted once per frame (encoded_frame::msgpack), client
// frames once per WebSocket message before the JSON request parser sees them,
// so both subprotocols share one set of validation rules.
//
// Values map one to one: null/nil, true/false, strings (UTF-8), arrays,
// objects/maps with string keys. Numbers:
//   - an integer that fits int64 or uint64 is a MessagePack integer;
//   - any other number whose value a float 64 holds exactly (that is, the
//     shortest text of the nearest double names the same decimal value:
//     12.5, 0.1, 1e2, 1.50, -0) is a float 64;
//   - every other number (123456789012345678901234567890,
//     0.1000000000000000055511151231257827) is ext type 1 whose payload is
//     the number's JSON text, so nothing is rounded.
// From a client, float 32 and float 64 become the shortest JSON text that
// reads back to the same double (an integral one gets ".0" so it stays a
// float); NaN and infinities have no JSON form and are refused, as are bin
// values, ext types other than 1, non-string map keys and invalid UTF-8.
namespace tidewire::msgpack_wire {

// The ext type of a number carried as its JSON text.
inline constexpr int8_t number_ext = 1;

// MessagePack of one JSON value. `json` is valid JSON as the node produces
// it (compact or not); object members keep their order (duplicates too).
std::string from_json(std::string_view json);

struct decoded {
  std::string json;  // the value as compact JSON text, when error is empty
  std::string error; // why the bytes are not one acceptable value
  bool ok() const {
    return error.empty();
  }
};

// Compact JSON text of exactly one MessagePack value in `bytes`. Containers
// nested deeper than `max_depth` are an error found before anything deeper
// is read. The parse (msgpack-c's visitor parser) allocates nothing for the
// counts a header declares, so a hostile header cannot reserve memory: the
// output grows only with the bytes actually read.
decoded to_json(std::string_view bytes, size_t max_depth);

// The JSON text a float 64 from a client becomes; "" for NaN or infinity.
std::string float_text(double d);

// True when `text` is exactly one JSON number (RFC 8259 §6), nothing around it.
bool is_json_number(std::string_view text);

// How a JSON number's text travels (see above).
enum class number_form { integer, float64, text };
number_form classify_number(std::string_view text);

} // namespace tidewire::msgpack_wire
