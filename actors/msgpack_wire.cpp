#include "actors/msgpack_wire.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

namespace tidewire::msgpack_wire {

namespace {

// ---------------------------------------------------------------- numbers

// A decimal value as 0.DIGITS x 10^exp, DIGITS without leading or trailing
// zeros (empty for zero): two texts name the same value when these match.
struct decimal {
  bool negative = false;
  std::string digits;
  long exp = 0;
  bool operator==(const decimal&) const = default;
};

// `text` is a JSON number or what std::to_chars writes ("1e+21", "-0").
std::optional<decimal> canonical(std::string_view text) {
  decimal d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  long int_digits = 0;
  bool seen_point = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    char c = text[i];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9')
      return std::nullopt;
    d.digits.push_back(c);
    if (!seen_point)
      ++int_digits;
  }
  long e = 0;
  if (i < text.size()) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
      neg = text[i++] == '-';
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9')
        return std::nullopt;
      if (e < 100'000'000) // saturates: far beyond any double
        e = e * 10 + (text[i] - '0');
    }
    if (neg)
      e = -e;
  }
  size_t lead = 0;
  while (lead < d.digits.size() && d.digits[lead] == '0')
    ++lead;
  d.digits.erase(0, lead);
  while (!d.digits.empty() && d.digits.back() == '0')
    d.digits.pop_back();
  d.exp = d.digits.empty() ? 0 : int_digits - static_cast<long>(lead) + e;
  return d;
}

std::string shortest(double d) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

bool is_integer_text(std::string_view text) {
  return text.find_first_of(".eE") == std::string_view::npos;
}

// The JSON number grammar (RFC 8259 §6), nothing around it.
bool is_json_number(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
      ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-')
    ++i;
  if (i < t.size() && t[i] == '0')
    ++i;
  else if (!digits())
    return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits())
      return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-'))
      ++i;
    if (!digits())
      return false;
  }
  return i == t.size();
}

// ------------------------------------------------------- JSON to MessagePack

struct string_sink {
  std::string& out;
  void write(const char* p, size_t n) {
    out.append(p, n);
  }
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Converts valid JSON text token by token. A container's element count goes
// into its MessagePack header first, so each container is scanned once to
// count its elements before they are converted: O(size x depth), and the
// node's JSON is at most a few dozen levels deep.
struct json_reader {
  std::string_view in;
  msgpack::packer<string_sink>& pk;
  std::string& out; // what pk writes to
  size_t pos = 0;

  void skip_ws() {
    while (pos < in.size() && is_space(in[pos]))
      ++pos;
  }

  // Position after the string token starting at `p` (a quote).
  size_t string_end(size_t p) const {
    ++p;
    while (p < in.size() && in[p] != '"')
      p += in[p] == '\\' ? 2 : 1;
    return std::min(p + 1, in.size());
  }

  // Elements of the container whose opening bracket is at `p`.
  uint32_t count(size_t p) const {
    uint32_t n = 0;
    int depth = 0;
    bool any = false;
    for (++p; p < in.size(); ++p) {
      char c = in[p];
      if (c == '"') {
        p = string_end(p) - 1;
        any = true;
      } else if (c == '[' || c == '{') {
        ++depth;
        any = true;
      } else if (c == ']' || c == '}') {
        if (depth-- == 0)
          break;
      } else if (c == ',' && depth == 0) {
        ++n;
      } else if (!is_space(c)) {
        any = true;
      }
    }
    return any ? n + 1 : 0;
  }

  // Always a float 64: msgpack-c's pack_double writes an integral double
  // (100.0, -0.0) as an integer, which would turn a float into an int.
  void float64(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    char buf[9];
    buf[0] = static_cast<char>(0xcb);
    for (int i = 0; i < 8; ++i)
      buf[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
    out.append(buf, sizeof buf);
  }

  void string_value() {
    auto end = string_end(pos);
    auto token = in.substr(pos, end - pos);
    pos = end;
    if (token.size() < 2) {
      pk.pack_nil();
      return;
    }
    if (token.find('\\') == std::string_view::npos) {
      pk.pack_str(static_cast<uint32_t>(token.size() - 2));
      pk.pack_str_body(token.data() + 1, static_cast<uint32_t>(token.size() - 2));
      return;
    }
    auto s = nlohmann::json::parse(token, nullptr, false);
    if (!s.is_string()) {
      pk.pack_nil();
      return;
    }
    auto& text = s.get_ref<const std::string&>();
    pk.pack_str(static_cast<uint32_t>(text.size()));
    pk.pack_str_body(text.data(), static_cast<uint32_t>(text.size()));
  }

  void scalar() {
    auto start = pos;
    while (pos < in.size() && !is_space(in[pos]) && in[pos] != ','
           && in[pos] != ']' && in[pos] != '}' && in[pos] != ':')
      ++pos;
    auto token = in.substr(start, pos - start);
    if (token == "true")
      return pk.pack_true(), void();
    if (token == "false")
      return pk.pack_false(), void();
    if (token == "null" || !is_json_number(token))
      return pk.pack_nil(), void();
    switch (classify_number(token)) {
      case number_form::integer:
        if (token.front() == '-') {
          int64_t v = 0;
          std::from_chars(token.data(), token.data() + token.size(), v);
          pk.pack_int64(v);
        } else {
          uint64_t v = 0;
          std::from_chars(token.data(), token.data() + token.size(), v);
          pk.pack_uint64(v);
        }
        return;
      case number_form::float64: {
        double v = 0;
        std::from_chars(token.data(), token.data() + token.size(), v);
        float64(v);
        return;
      }
      case number_form::text:
        pk.pack_ext(token.size(), number_ext);
        pk.pack_ext_body(token.data(), static_cast<uint32_t>(token.size()));
        return;
    }
  }

  void value() {
    skip_ws();
    if (pos >= in.size())
      return pk.pack_nil(), void();
    char c = in[pos];
    if (c == '[' || c == '{') {
      const bool object = c == '{';
      auto n = count(pos);
      if (object)
        pk.pack_map(n);
      else
        pk.pack_array(n);
      ++pos;
      for (uint32_t i = 0; i < n; ++i) {
        skip_ws();
        if (i > 0 && pos < in.size() && in[pos] == ',')
          ++pos;
        if (object) {
          skip_ws();
          if (pos < in.size() && in[pos] == '"')
            string_value();
          else
            pk.pack_nil();
          skip_ws();
          if (pos < in.size() && in[pos] == ':')
            ++pos;
        }
        value();
      }
      skip_ws();
      if (pos < in.size())
        ++pos; // the closing bracket
      return;
    }
    if (c == '"')
      return string_value();
    scalar();
  }
};

// ------------------------------------------------------- MessagePack to JSON

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

number_form classify_number(std::string_view text) {
  if (is_integer_text(text) && text != "-0") {
    auto* end = text.data() + text.size();
    if (text.front() == '-') {
      int64_t v = 0;
      auto res = std::from_chars(text.data(), end, v);
      if (res.ec == std::errc{} && res.ptr == end)
        return number_form::integer;
    } else {
      uint64_t v = 0;
      auto res = std::from_chars(text.data(), end, v);
      if (res.ec == std::errc{} && res.ptr == end)
        return number_form::integer;
    }
  }
  double d = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), d);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()
      || !std::isfinite(d))
    return number_form::text;
  auto a = canonical(text);
  auto b = canonical(shortest(d));
  return a && b && *a == *b ? number_form::float64 : number_form::text;
}

std::string float_text(double d) {
  if (!std::isfinite(d))
    return {};
  auto text = shortest(d);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text;
}

std::string from_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  string_sink sink{out};
  msgpack::packer<string_sink> pk{sink};
  json_reader{json, pk, out}.value();
  return out;
}

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
