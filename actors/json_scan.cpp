#include "actors/json_scan.hpp"

#include <charconv>

#include "actors/hex_digit.hpp"

namespace tidewire::json_text {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The four hex digits after `\u` at `p`, or -1.
int hex4(const char* p, const char* end) {
  if (end - p < 4)
    return -1;
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    auto h = hex_digit_value(p[i]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  return v;
}

bool in(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

// Past one well-formed UTF-8 sequence of 2-4 bytes starting at `p` (whose
// first byte is >= 0x80), or nullptr: RFC 3629, so no overlong forms, no
// encoded surrogates, nothing above U+10FFFF.
const char* utf8_end(const char* p, const char* end) {
  auto b0 = static_cast<unsigned char>(p[0]);
  auto at = [&](int i) -> unsigned char {
    return end - p > i ? static_cast<unsigned char>(p[i]) : 0;
  };
  auto cont = [&](int i) { return in(at(i), 0x80, 0xBF); };
  if (in(b0, 0xC2, 0xDF))
    return cont(1) ? p + 2 : nullptr;
  if (b0 == 0xE0)
    return in(at(1), 0xA0, 0xBF) && cont(2) ? p + 3 : nullptr;
  if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF))
    return cont(1) && cont(2) ? p + 3 : nullptr;
  if (b0 == 0xED)
    return in(at(1), 0x80, 0x9F) && cont(2) ? p + 3 : nullptr;
  if (b0 == 0xF0)
    return in(at(1), 0x90, 0xBF) && cont(2) && cont(3) ? p + 4 : nullptr;
  if (in(b0, 0xF1, 0xF3))
    return cont(1) && cont(2) && cont(3) ? p + 4 : nullptr;
  if (b0 == 0xF4)
    return in(at(1), 0x80, 0x8F) && cont(2) && cont(3) ? p + 4 : nullptr;
  return nullptr;
}

const char* number_end(const char* p, const char* end) {
  if (p != end && *p == '-')
    ++p;
  if (p == end)
    return nullptr;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p != end && is_digit(*p))
      ++p;
  } else {
    return nullptr;
  }
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p))
      return nullptr;
    while (p != end && is_digit(*p))
      ++p;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p != end && (*p == '+' || *p == '-'))
      ++p;
    if (p == end || !is_digit(*p))
      return nullptr;
    while (p != end && is_digit(*p))
      ++p;
  }
  return p;
}

const char* literal_end(const char* p, const char* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size()
      || std::string_view{p, word.size()} != word)
    return nullptr;
  return p + word.size();
}

// A scalar (string, number, true, false, null) starting at `p`.
const char* scalar_end(const char* p, const char* end) {
  switch (*p) {
    case '"':
      return string_end(p, end);
    case 't':
      return literal_end(p, end, "true");
    case 'f':
      return literal_end(p, end, "false");
    case 'n':
      return literal_end(p, end, "null");
    default:
      return number_end(p, end);
  }
}

// Past `"key" :` at `p` (whitespace before the colon allowed), or nullptr.
const char* key_end(const char* p, const char* end) {
  if (p == end || *p != '"')
    return nullptr;
  p = string_end(p, end);
  if (!p)
    return nullptr;
  p = skip_ws(p, end);
  if (p == end || *p != ':')
    return nullptr;
  return p + 1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

} // namespace

const char* skip_ws(const char* p, const char* end) {
  while (p != end && is_space(*p))
    ++p;
  return p;
}

const char* string_end(const char* p, const char* end) {
  ++p; // the opening quote
  while (p != end) {
    auto c = static_cast<unsigned char>(*p);
    if (c == '"')
      return p + 1;
    if (c < 0x20)
      return nullptr; // control characters must be escaped
    if (c < 0x80 && c != '\\') {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      p = utf8_end(p, end);
      if (!p)
        return nullptr;
      continue;
    }
    if (++p == end)
      return nullptr;
    switch (*p) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
      case 't':
        ++p;
        continue;
      case 'u':
        break;
      default:
        return nullptr;
    }
    auto cp = hex4(p + 1, end);
    if (cp < 0)
      return nullptr;
    p += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return nullptr; // a low surrogate with no high one before it
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // A high surrogate: a low one must follow at once.
      if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
        return nullptr;
      auto low = hex4(p + 2, end);
      if (low < 0xDC00 || low > 0xDFFF)
        return nullptr;
      p += 6;
    }
  }
  return nullptr;
}

const char* value_end(const char* p, const char* end) {
  // The open arrays and objects, innermost last. Grows on the heap only
  // past the short string's capacity (15 levels).
  std::string open;
  for (;;) {
    // A value starts at p.
    if (p == end)
      return nullptr;
    char c = *p;
    if (c == '[' || c == '{') {
      p = skip_ws(p + 1, end);
      if (p == end)
        return nullptr;
      if (*p == (c == '[' ? ']' : '}')) {
        ++p; // empty
      } else {
        open.push_back(c);
        if (c == '{' && !(p = key_end(p, end)))
          return nullptr;
        p = skip_ws(p, end);
        continue;
      }
    } else if (!(p = scalar_end(p, end))) {
      return nullptr;
    }
    // After a value: close what ends here, or go on to the next element.
    for (;;) {
      if (open.empty())
        return p;
      p = skip_ws(p, end);
      if (p == end)
        return nullptr;
      char closer = open.back() == '[' ? ']' : '}';
      if (*p == closer) {
        ++p;
        open.pop_back();
        continue;
      }
      if (*p != ',')
        return nullptr;
      p = skip_ws(p + 1, end);
      if (open.back() == '{' && !(p = key_end(p, end)))
        return nullptr;
      p = skip_ws(p, end);
      break;
    }
  }
}

std::string_view skip_bom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);
  return text;
}

bool valid(std::string_view text) {
  text = skip_bom(text);
  auto end = text.data() + text.size();
  auto p = skip_ws(text.data(), end);
  p = value_end(p, end);
  return p && skip_ws(p, end) == end;
}

std::string unescape(std::string_view token) {
  std::string out;
  auto p = token.data() + 1;
  auto end = token.data() + token.size() - 1; // the closing quote
  out.reserve(token.size());
  while (p < end) {
    if (*p != '\\') {
      out.push_back(*p++);
      continue;
    }
    ++p;
    switch (*p) {
      case 'b': out.push_back('\b'); ++p; continue;
      case 'f': out.push_back('\f'); ++p; continue;
      case 'n': out.push_back('\n'); ++p; continue;
      case 'r': out.push_back('\r'); ++p; continue;
      case 't': out.push_back('\t'); ++p; continue;
      case 'u': break;
      default: out.push_back(*p++); continue; // " \ /
    }
    uint32_t cp = static_cast<uint32_t>(hex4(p + 1, end));
    p += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      auto low = static_cast<uint32_t>(hex4(p + 2, end));
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      p += 6;
    }
    append_utf8(out, cp);
  }
  return out;
}

bool token_equals(std::string_view token, std::string_view name) {
  if (token.size() < 2)
    return false;
  auto inner = token.substr(1, token.size() - 2);
  if (inner.find('\\') == std::string_view::npos)
    return inner == name;
  return unescape(token) == name;
}

std::optional<integer> as_integer(std::string_view token) {
  integer out;
  if (!token.empty() && token.front() == '-') {
    out.negative = true;
    token.remove_prefix(1);
  }
  if (token.empty())
    return std::nullopt;
  for (char c : token)
    if (!is_digit(c))
      return std::nullopt; // a fraction or an exponent
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(),
                                   out.magnitude);
  if (ec != std::errc{} || end != token.data() + token.size())
    return std::nullopt;
  if (out.negative && out.magnitude > (uint64_t{1} << 63))
    return std::nullopt;
  if (out.negative && out.magnitude == 0)
    out.negative = false; // -0 is the integer 0
  return out;
}

} // namespace tidewire::json_text
