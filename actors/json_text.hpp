#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// JSON that reaches clients exactly as it was published. nlohmann::json
// reads every number into a double or a 64-bit integer, so
// 123456789012345678901234567890 or 0.1000000000000000055511151231257827
// would come back rounded; here numbers (and strings) keep their original
// text, and only whitespace between tokens is removed.
namespace tidewire::json_text {

struct member;

// A parsed JSON value whose scalars keep their text: `text` is the number,
// `true`, `false`, `null` or the quoted string exactly as written.
struct value {
  enum class kind { scalar, array, object };
  kind type = kind::scalar;
  std::string text;                                  // scalars
  std::vector<value> items;                          // arrays
  std::vector<member> members;                       // objects

  bool is_object() const {
    return type == kind::object;
  }
  bool is_null() const {
    return type == kind::scalar && text == "null";
  }
  // The member named `name` (compared unescaped), or nullptr.
  const value* find(std::string_view name) const;
};

// An object's member. A named struct rather than std::pair<std::string,
// value>: clang rejects a pair of the enclosing, still incomplete type.
struct member {
  member() = default;
  member(std::string key, value val)
    : first(std::move(key)), second(std::move(val)) {}
  std::string first; // the key's raw text, quotes and escapes kept
  value second;
};

// `text` without whitespace between tokens, numbers and strings untouched;
// nullopt when `text` is not one valid JSON value.
std::optional<std::string> compact(std::string_view text);

// Compact text of one value that json_scan's `valid` accepted: like dump of
// its parse (duplicate member names resolved the same way: the last value
// at the first one's place), without building the value unless a name repeats.
std::string compact_value(std::string_view valid_text);

// Parses valid JSON text (validated here too); nullopt when invalid.
std::optional<value> parse(std::string_view text);

// Compact text of `v`.
std::string dump(const value& v);
void dump_to(const value& v, std::string& out);

// True when two raw member keys (quotes and escapes kept) name the same
// member ("a" and "\u0061" do).
bool same_key(std::string_view a, std::string_view b);

// RFC 7396 JSON Merge Patch of `target` with `patch`, numbers kept as text.
void merge_patch(value& target, const value& patch);

// True when compact JSON text is an object (what state channels accept).
inline bool is_object_text(std::string_view compact_text) {
  return !compact_text.empty() && compact_text.front() == '{';
}

} // namespace tidewire::json_text
