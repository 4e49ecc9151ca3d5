#include "actors/sources/merge_diff.hpp"

namespace tidewire {

nlohmann::json merge_diff(const nlohmann::json& from,
                          const nlohmann::json& to) {
  if (!from.is_object() || !to.is_object())
    return to;
  auto patch = nlohmann::json::object();
  for (auto& [key, value] : from.items())
    if (!to.contains(key))
      patch[key] = nullptr;
  for (auto& [key, value] : to.items()) {
    auto old = from.find(key);
    if (old == from.end()) {
      patch[key] = value;
    } else if (*old != value) {
      if (old->is_object() && value.is_object())
        patch[key] = merge_diff(*old, value);
      else
        patch[key] = value;
    }
  }
  return patch;
}

} // namespace tidewire
