#pragma once

// A validating JSON scanner that builds nothing: it finds where a value ends
// and checks it on the way (RFC 8259, as strict as nlohmann::json::accept:
// UTF-8, escapes and surrogate pairs, number syntax, no trailing commas).
// Client frames are read with it in one pass, picking the few fields a
// request needs as spans of the text instead of building a document first
// (net/request_parser.cpp); json_text::parse and compact validate with it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tidewire::json_text {

// The first non-whitespace character at or after `p` (or `end`).
const char* skip_ws(const char* p, const char* end);

// The end of the one valid JSON value starting exactly at `p`, or nullptr
// when what starts there is not one. Nesting uses no stack frames (deep
// input cannot exhaust a thread's stack).
const char* value_end(const char* p, const char* end);

// The end of the JSON string starting at `p` (its opening quote), or
// nullptr when it is not a valid one.
const char* string_end(const char* p, const char* end);

// `text` past a UTF-8 byte-order mark, which JSON parsers may skip.
std::string_view skip_bom(std::string_view text);

// True when `text` is one JSON value, whitespace around it allowed.
bool valid(std::string_view text);

// The string a valid JSON string token (quotes included) denotes, UTF-8.
std::string unescape(std::string_view token);

// True when the valid string token denotes exactly `name`.
bool token_equals(std::string_view token, std::string_view name);

// A valid JSON number token as a 64-bit integer: nullopt for a fraction,
// an exponent or a value outside int64/uint64 (which JSON libraries read
// as a floating-point number, not an integer).
struct integer {
  bool negative = false;
  uint64_t magnitude = 0; // |value|; at most 2^63 when negative
};
std::optional<integer> as_integer(std::string_view token);

// Calls `each(name, value)` for the members of the object at `p`, names as
// raw string tokens, values as spans. Returns the object's end, or nullptr
// when the text there is not one valid object (or `each` returned false).
template <class F>
const char* for_members(const char* p, const char* end, F&& each) {
  if (p == end || *p != '{')
    return nullptr;
  p = skip_ws(p + 1, end);
  if (p != end && *p == '}')
    return p + 1;
  for (;;) {
    if (p == end || *p != '"')
      return nullptr;
    auto name_end = string_end(p, end);
    if (!name_end)
      return nullptr;
    std::string_view name{p, static_cast<size_t>(name_end - p)};
    p = skip_ws(name_end, end);
    if (p == end || *p != ':')
      return nullptr;
    p = skip_ws(p + 1, end);
    auto after = p == end ? nullptr : value_end(p, end);
    if (!after
        || !each(name, std::string_view{p, static_cast<size_t>(after - p)}))
      return nullptr;
    p = skip_ws(after, end);
    if (p != end && *p == '}')
      return p + 1;
    if (p == end || *p != ',')
      return nullptr;
    p = skip_ws(p + 1, end);
  }
}

// Calls `each(p)` for the elements of the array at `p`; `each` reads the
// element starting at `p` and returns its end (nullptr: not valid there).
// Returns the array's end, or nullptr when the text there is not one
// array of elements `each` accepted.
template <class F>
const char* for_elements(const char* p, const char* end, F&& each) {
  if (p == end || *p != '[')
    return nullptr;
  p = skip_ws(p + 1, end);
  if (p != end && *p == ']')
    return p + 1;
  for (;;) {
    if (p == end || !(p = each(p)))
      return nullptr;
    p = skip_ws(p, end);
    if (p != end && *p == ']')
      return p + 1;
    if (p == end || *p != ',')
      return nullptr;
    p = skip_ws(p + 1, end);
  }
}

// For a walk over JSON text, byte by byte, that only cares about what lies
// outside strings (brackets, whitespace): says which bytes belong to a
// string, escapes followed. The text need not be valid.
class string_tracker {
public:
  // True when `c`, the next byte, is part of a string (its quotes included).
  bool in_string(char c) {
    if (inside_) {
      if (escaped_)
        escaped_ = false;
      else if (c == '\\')
        escaped_ = true;
      else if (c == '"')
        inside_ = false;
      return true;
    }
    inside_ = c == '"';
    return inside_;
  }

private:
  bool inside_ = false;
  bool escaped_ = false;
};

} // namespace tidewire::json_text
