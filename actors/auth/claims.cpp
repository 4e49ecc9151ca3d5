#include "actors/auth/claims.hpp"

#include <cstdint>

#include <nlohmann/json.hpp>

namespace tidewire::auth {

namespace {

using json = nlohmann::json;

bool any_grants(const std::vector<std::string>& patterns,
                std::string_view channel) {
  for (auto& p : patterns)
    if (pattern_grants(p, channel))
      return true;
  return false;
}

bool read_patterns(const json& doc, const char* key,
                   std::vector<std::string>& out, std::string& error) {
  auto it = doc.find(key);
  if (it == doc.end())
    return true;
  if (!it->is_array()) {
    error = std::string{"claim '"} + key + "' must be an array of strings";
    return false;
  }
  for (auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      error = std::string{"claim '"} + key
              + "' must hold non-empty strings";
      return false;
    }
    out.push_back(v.get<std::string>());
  }
  return true;
}

} // namespace

claims nobody() {
  claims c;
  c.anonymous = false;
  return c;
}

bool pattern_grants(std::string_view pattern, std::string_view channel) {
  if (pattern == "*")
    return true;
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    // `prefix.*` grants names below the prefix, not the bare prefix.
    return channel.size() > pattern.size()
           && channel.substr(0, pattern.size()) == pattern;
  }
  return pattern == channel;
}

bool may_subscribe(const claims& c, std::string_view channel) {
  return c.anonymous || any_grants(c.channels, channel);
}

bool may_publish(const claims& c, std::string_view channel) {
  return c.anonymous || any_grants(c.publish, channel);
}

std::optional<claims> parse_claims(std::string_view payload_json,
                                   std::string& error) {
  auto doc = json::parse(payload_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "token payload is not a JSON object";
    return std::nullopt;
  }
  claims c;
  c.anonymous = false;
  auto exp = doc.find("exp");
  if (exp == doc.end() || !exp->is_number()) {
    error = "token has no numeric 'exp' claim";
    return std::nullopt;
  }
  // A NumericDate may have a fraction (RFC 7519 §2); one past int64 (a
  // float such as 7e104, or an unsigned past 2^63) cannot be converted.
  if (exp->is_number_float()) {
    double v = exp->get<double>();
    if (!(v >= -9.2e18 && v <= 9.2e18)) {
      error = "token's 'exp' claim is out of range";
      return std::nullopt;
    }
    c.exp = static_cast<int64_t>(v);
  } else if (exp->is_number_unsigned()
             && exp->get<uint64_t>() > uint64_t{INT64_MAX}) {
    error = "token's 'exp' claim is out of range";
    return std::nullopt;
  } else {
    c.exp = exp->get<int64_t>();
  }
  if (auto sub = doc.find("sub"); sub != doc.end() && sub->is_string())
    c.subject = sub->get<std::string>();
  if (!read_patterns(doc, "channels", c.channels, error)
      || !read_patterns(doc, "publish", c.publish, error))
    return std::nullopt;
  return c;
}

} // namespace tidewire::auth
