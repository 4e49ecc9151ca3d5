#include "actors/json_text.hpp"

#include <cstdint>

#include "actors/json_scan.hpp"

namespace tidewire::json_text {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

} // namespace

bool same_key(std::string_view a, std::string_view b) {
  if (a.find('\\') == std::string_view::npos
      && b.find('\\') == std::string_view::npos)
    return a == b;
  return unescape(a) == unescape(b);
}

namespace {

// Recursive descent over text json_text::valid has accepted (so
// every token is well formed; only the structure is read here). Depth is
// bounded by the callers' json_depth_ok before anything is parsed.
struct reader {
  std::string_view in;
  size_t pos = 0;

  void skip() {
    while (pos < in.size() && is_space(in[pos]))
      ++pos;
  }

  std::string string_token() {
    auto start = pos++;
    while (in[pos] != '"') {
      if (in[pos] == '\\')
        ++pos;
      ++pos;
    }
    ++pos;
    return std::string{in.substr(start, pos - start)};
  }

  value read() {
    skip();
    value v;
    char c = in[pos];
    if (c == '{') {
      v.type = value::kind::object;
      ++pos;
      skip();
      if (in[pos] == '}') {
        ++pos;
        return v;
      }
      for (;;) {
        skip();
        auto key = string_token();
        skip();
        ++pos; // ':'
        auto member = read();
        // Duplicate names: the last one wins, as for nlohmann::json.
        bool replaced = false;
        for (auto& [k, old] : v.members)
          if (same_key(k, key)) {
            old = std::move(member);
            replaced = true;
            break;
          }
        if (!replaced)
          v.members.emplace_back(std::move(key), std::move(member));
        skip();
        if (in[pos++] == '}')
          return v;
      }
    }
    if (c == '[') {
      v.type = value::kind::array;
      ++pos;
      skip();
      if (in[pos] == ']') {
        ++pos;
        return v;
      }
      for (;;) {
        v.items.push_back(read());
        skip();
        if (in[pos++] == ']')
          return v;
      }
    }
    if (c == '"') {
      v.text = string_token();
      return v;
    }
    auto start = pos;
    while (pos < in.size() && !is_space(in[pos]) && in[pos] != ','
           && in[pos] != ']' && in[pos] != '}')
      ++pos;
    v.text = std::string{in.substr(start, pos - start)};
    return v;
  }
};

} // namespace

const value* value::find(std::string_view name) const {
  for (auto& [k, v] : members)
    if (token_equals(k, name))
      return &v;
  return nullptr;
}

std::optional<std::string> compact(std::string_view text) {
  if (!valid(text))
    return std::nullopt;
  text = skip_bom(text);
  std::string out;
  out.reserve(text.size());
  string_tracker strings;
  for (char c : text)
    if (strings.in_string(c) || !is_space(c))
      out.push_back(c);
  return out;
}

std::optional<value> parse(std::string_view text) {
  if (!valid(text))
    return std::nullopt;
  return reader{skip_bom(text)}.read();
}

std::string compact_value(std::string_view text) {
  text = skip_bom(text);
  std::string out;
  out.reserve(text.size());
  // Per open array or object: SIZE_MAX for an array, else where the
  // object's member names start in `names`.
  constexpr size_t array = SIZE_MAX;
  std::vector<size_t> open;
  std::vector<std::string_view> names;
  bool name_next = false;
  auto p = text.data();
  auto end = p + text.size();
  while (p != end) {
    char c = *p;
    if (is_space(c)) {
      ++p;
      continue;
    }
    if (c == '"') {
      auto start = p++;
      while (*p != '"')
        p += *p == '\\' ? 2 : 1;
      std::string_view token{start, static_cast<size_t>(++p - start)};
      out += token;
      if (name_next) {
        name_next = false;
        for (size_t i = open.back(); i < names.size(); ++i)
          if (same_key(names[i], token))
            return dump(reader{text}.read()); // rare: let parse resolve it
        names.push_back(token);
      }
      continue;
    }
    switch (c) {
      case '{':
        open.push_back(names.size());
        name_next = true;
        break;
      case '[':
        open.push_back(array);
        break;
      case '}':
        names.resize(open.back());
        open.pop_back();
        name_next = false;
        break;
      case ']':
        open.pop_back();
        break;
      case ',':
        name_next = open.back() != array;
        break;
      default:
        break;
    }
    out.push_back(c);
    ++p;
  }
  return out;
}

void dump_to(const value& v, std::string& out) {
  switch (v.type) {
    case value::kind::scalar:
      out += v.text;
      return;
    case value::kind::array:
      out.push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0)
          out.push_back(',');
        dump_to(v.items[i], out);
      }
      out.push_back(']');
      return;
    case value::kind::object:
      out.push_back('{');
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0)
          out.push_back(',');
        out += v.members[i].first;
        out.push_back(':');
        dump_to(v.members[i].second, out);
      }
      out.push_back('}');
      return;
  }
}

std::string dump(const value& v) {
  std::string out;
  dump_to(v, out);
  return out;
}

void merge_patch(value& target, const value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) {
    target = value{};
    target.type = value::kind::object;
  }
  for (auto& [key, p] : patch.members) {
    auto it = target.members.begin();
    while (it != target.members.end() && !same_key(it->first, key))
      ++it;
    if (p.is_null()) {
      if (it != target.members.end())
        target.members.erase(it);
      continue;
    }
    if (it == target.members.end()) {
      target.members.emplace_back(key, value{});
      it = std::prev(target.members.end());
    }
    merge_patch(it->second, p);
  }
}

} // namespace tidewire::json_text
