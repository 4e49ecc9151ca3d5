#pragma once

#include <nlohmann/json.hpp>

namespace tidewire {

// The JSON Merge Patch (RFC 7396) that turns `from` into `to`, carrying only
// what changed: removed members become null, nested objects are diffed
// member by member, anything else is replaced whole. An empty object means
// "no change". `to` must not contain nulls inside objects, since a merge
// patch cannot express them.
nlohmann::json merge_diff(const nlohmann::json& from, const nlohmann::json& to);

} // namespace tidewire
