#include "actors/msgpack_wire.hpp"

// MessagePack to JSON text: a client's frames on a msgpack connection, read
// by the same request parser as JSON ones.

#include <charconv>
#include <cmath>

#include <msgpack.hpp>

namespace tidewire::msgpack_wire {

namespace {

// Appends `s` as a JSON string; false when it is not valid UTF-8.
bool append_json_string(const char* s, size_t n, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  auto u = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  for (size_t i = 0; i < n;) {
    unsigned char c = u(i);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; ++k) {
      if ((u(i + k) & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (u(i + k) & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    out.append(s + i, len);
    i += len;
  }
  out.push_back('"');
  return true;
}

// A msgpack-c visitor that writes JSON as the parser walks the bytes.
struct json_writer {
  std::string out;
  std::string error;
  size_t max_depth;
  size_t depth = 0;
  bool key_next = false; // the next value is a map key

  bool fail(std::string why) {
    if (error.empty())
      error = std::move(why);
    return false;
  }

  bool not_a_key(const char* what) {
    if (!key_next)
      return true;
    return fail(std::string{"map keys must be strings, not "} + what);
  }

  bool visit_nil() {
    if (!not_a_key("nil"))
      return false;
    out += "null";
    return true;
  }
  bool visit_boolean(bool v) {
    if (!not_a_key("a boolean"))
      return false;
    out += v ? "true" : "false";
    return true;
  }
  bool visit_positive_integer(uint64_t v) {
    if (!not_a_key("an integer"))
      return false;
    out += std::to_string(v);
    return true;
  }
  bool visit_negative_integer(int64_t v) {
    if (!not_a_key("an integer"))
      return false;
    out += std::to_string(v);
    return true;
  }
  bool visit_float32(float v) {
    return visit_float64(static_cast<double>(v));
  }
  bool visit_float64(double v) {
    if (!not_a_key("a float"))
      return false;
    auto text = float_text(v);
    if (text.empty())
      return fail("NaN and infinite floats have no JSON form");
    out += text;
    return true;
  }
  bool visit_str(const char* v, uint32_t size) {
    if (!append_json_string(v, size, out))
      return fail("a string is not valid UTF-8");
    return true;
  }
  bool visit_bin(const char*, uint32_t) {
    return fail("bin values have no JSON form (send text as str)");
  }
  bool visit_ext(const char* v, uint32_t size) {
    if (!not_a_key("an ext value"))
      return false;
    if (size == 0 || static_cast<int8_t>(v[0]) != number_ext)
      return fail("ext type " + std::to_string(size ? static_cast<int8_t>(v[0]) : 0)
                  + " is not accepted (only 1, a number as JSON text)");
    std::string_view text{v + 1, size - 1};
    if (!is_json_number(text))
      return fail("ext type 1 must hold a JSON number");
    double d = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), d);
    if (res.ec != std::errc{} || !std::isfinite(d))
      return fail("ext type 1 number is out of a double's range");
    out += text;
    return true;
  }
  bool open(char bracket) {
    if (!not_a_key(bracket == '[' ? "an array" : "a map"))
      return false;
    if (++depth > max_depth)
      return fail("MessagePack nested deeper than " + std::to_string(max_depth)
                  + " levels");
    out.push_back(bracket);
    return true;
  }
  bool start_array(uint32_t) {
    return open('[');
  }
  bool start_array_item() {
    if (out.back() != '[')
      out.push_back(',');
    return true;
  }
  bool end_array_item() {
    return true;
  }
  bool end_array() {
    --depth;
    out.push_back(']');
    return true;
  }
  bool start_map(uint32_t) {
    return open('{');
  }
  bool start_map_key() {
    if (out.back() != '{')
      out.push_back(',');
    key_next = true;
    return true;
  }
  bool end_map_key() {
    key_next = false;
    return true;
  }
  bool start_map_value() {
    out.push_back(':');
    return true;
  }
  bool end_map_value() {
    return true;
  }
  bool end_map() {
    --depth;
    out.push_back('}');
    return true;
  }
  void parse_error(size_t, size_t) {
    fail("malformed MessagePack");
  }
  void insufficient_bytes(size_t, size_t) {
    fail("malformed MessagePack (truncated)");
  }
  bool referenced() const {
    return false;
  }
  void set_referenced(bool) {}
};

} // namespace

decoded to_json(std::string_view bytes, size_t max_depth) {
  json_writer w;
  w.max_depth = max_depth;
  w.out.reserve(bytes.size() * 2);
  size_t off = 0;
  bool ok = false;
  try {
    ok = msgpack::parse(bytes.data(), bytes.size(), off, w);
  } catch (const std::exception& e) {
    w.fail(std::string{"malformed MessagePack ("} + e.what() + ")");
  }
  if (!ok || !w.error.empty())
    return {{}, w.error.empty() ? "malformed MessagePack" : w.error};
  if (off != bytes.size())
    return {{}, "malformed MessagePack (bytes after the value)"};
  return {std::move(w.out), {}};
}

} // namespace tidewire::msgpack_wire
