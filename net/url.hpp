#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

// Request-target helpers of the HTTP side. Pure functions, no Beast.
namespace tidewire::net {

struct split_target {
  std::string_view path;  // up to '?' or '#'
  std::string_view query; // after '?', without the fragment; "" when none
};

split_target split(std::string_view target);

// Decodes %XX escapes ('+' is left alone: paths, not forms). nullopt for a
// malformed escape.
std::optional<std::string> percent_decode(std::string_view in);

// The query's key/value pairs, decoded. A key given twice keeps its first
// value; nullopt for a malformed escape.
std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query);

// A decimal uint64 without sign, spaces or overflow; nullopt otherwise.
std::optional<uint64_t> parse_u64(std::string_view s);

} // namespace tidewire::net
