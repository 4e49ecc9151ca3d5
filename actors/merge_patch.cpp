#include "actors/merge_patch.hpp"

#include <algorithm>

namespace tidewire::json_text {

namespace {

size_t commas(size_t n) {
  return n > 0 ? n - 1 : 0;
}

// The member of `obj` whose key equals `key` (keys are raw text, compared
// unescaped like merge_patch does), or end().
std::vector<member>::iterator find_member(value& obj, const std::string& key) {
  return std::find_if(obj.members.begin(), obj.members.end(),
                      [&](const member& m) {
                        return same_key(m.first, key);
                      });
}

value empty_object() {
  value v;
  v.type = value::kind::object;
  return v;
}

} // namespace

size_t dumped_size(const value& v) {
  switch (v.type) {
    case value::kind::scalar:
      return v.text.size();
    case value::kind::array: {
      size_t n = 2 + commas(v.items.size());
      for (auto& item : v.items)
        n += dumped_size(item);
      return n;
    }
    case value::kind::object: {
      size_t n = 2 + commas(v.members.size());
      for (auto& m : v.members)
        n += m.first.size() + 1 + dumped_size(m.second);
      return n;
    }
  }
  return 0;
}

int64_t merge_patch_sized(value& target, const value& patch) {
  if (!patch.is_object()) {
    auto before = static_cast<int64_t>(dumped_size(target));
    target = patch;
    return static_cast<int64_t>(dumped_size(target)) - before;
  }
  int64_t delta = 0;
  if (!target.is_object()) {
    delta -= static_cast<int64_t>(dumped_size(target));
    target = empty_object();
    delta += 2;
  }
  auto count_before = target.members.size();
  for (auto& [key, p] : patch.members) {
    auto it = find_member(target, key);
    if (p.is_null()) {
      if (it != target.members.end()) {
        delta -= static_cast<int64_t>(it->first.size() + 1
                                      + dumped_size(it->second));
        target.members.erase(it);
      }
      continue;
    }
    if (it == target.members.end()) {
      // A new member starts as an empty scalar (size 0), so its size is the
      // key, the colon and what the patch makes of it.
      target.members.emplace_back(key, value{});
      it = std::prev(target.members.end());
      delta += static_cast<int64_t>(key.size() + 1);
    }
    delta += merge_patch_sized(it->second, p);
  }
  delta += static_cast<int64_t>(commas(target.members.size()))
           - static_cast<int64_t>(commas(count_before));
  return delta;
}

std::optional<value> compose(const value& first, const value& second) {
  // A non-object second patch replaces whatever the first one made.
  if (!second.is_object())
    return second;
  // The first made a non-object (or deleted it); the second merges an
  // object into nothing. The result replaces the member by an object,
  // which no merge patch can express.
  if (!first.is_object())
    return std::nullopt;
  value out = first;
  for (auto& [key, p] : second.members) {
    auto it = find_member(out, key);
    if (it == out.members.end()) {
      // The first patch left the member alone: the second's says it all.
      out.members.emplace_back(key, p);
      continue;
    }
    if (!p.is_object()) {
      it->second = p; // null (delete) or a value replaces the first's
      continue;
    }
    auto inner = compose(it->second, p);
    if (!inner)
      return std::nullopt;
    it->second = std::move(*inner);
  }
  return out;
}

} // namespace tidewire::json_text
