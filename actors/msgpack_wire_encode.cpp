#include "actors/msgpack_wire.hpp"

// JSON text to MessagePack: the server's frames on a msgpack connection.

#include <charconv>
#include <cstring>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

namespace tidewire::msgpack_wire {

namespace {

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

} // namespace

std::string from_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  string_sink sink{out};
  msgpack::packer<string_sink> pk{sink};
  json_reader{json, pk, out}.value();
  return out;
}

} // namespace tidewire::msgpack_wire
