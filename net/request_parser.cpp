#include "net/request_parser.hpp"

#include <nlohmann/json.hpp>

#include "actors/config.hpp"
#include "actors/json_text.hpp"

namespace tidewire::net {

namespace {

using json = nlohmann::json;

request_error bad_request(std::string message, std::string id_json = {}) {
  return request_error{"bad_request", std::move(message), std::move(id_json)};
}

// Quotes a client-supplied string for an error message, cut to a sane length.
std::string excerpt(const std::string& s) {
  constexpr size_t max_len = 64;
  if (s.size() <= max_len)
    return "'" + s + "'";
  // Cut on a UTF-8 boundary: the message is embedded in a JSON error frame.
  size_t len = max_len;
  while (len > 0 && (static_cast<unsigned char>(s[len]) & 0xC0) == 0x80)
    --len;
  return "'" + s.substr(0, len) + "...'";
}

bool is_non_negative_integer(const json& v) {
  return v.is_number_unsigned()
         || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// Reads the required `channel` field; on failure returns the error.
std::variant<std::string, request_error>
read_channel(const json& msg, const std::string& id_json) {
  auto it = msg.find("channel");
  if (it == msg.end())
    return bad_request("missing field 'channel'", id_json);
  if (!it->is_string())
    return bad_request("field 'channel' must be a string", id_json);
  auto name = it->get<std::string>();
  if (!valid_channel_name(name))
    return request_error{"invalid_channel",
                         "invalid channel name " + excerpt(name)
                           + " (expected ^[A-Za-z0-9_.:-]{1,128}$)",
                         id_json};
  return name;
}

client_request parse_subscribe(const json& msg, std::string id_json) {
  auto channel = read_channel(msg, id_json);
  if (auto err = std::get_if<request_error>(&channel))
    return std::move(*err);
  subscribe_request req;
  req.channel = std::move(std::get<std::string>(channel));
  // Optional fields may be absent or null.
  if (auto it = msg.find("since"); it != msg.end() && !it->is_null()) {
    if (!is_non_negative_integer(*it))
      return bad_request("field 'since' must be a non-negative integer",
                         id_json);
    req.since = it->get<uint64_t>();
  }
  if (auto it = msg.find("epoch"); it != msg.end() && !it->is_null()) {
    if (!it->is_string())
      return bad_request("field 'epoch' must be a string", id_json);
    req.epoch = it->get<std::string>();
  }
  req.id_json = std::move(id_json);
  return req;
}

client_request parse_unsubscribe(const json& msg, std::string id_json) {
  auto channel = read_channel(msg, id_json);
  if (auto err = std::get_if<request_error>(&channel))
    return std::move(*err);
  return unsubscribe_request{std::move(std::get<std::string>(channel)),
                             std::move(id_json)};
}

// `raw` is the same message parsed with its numbers kept as written: the
// published data is taken from it, so it reaches subscribers unrounded.
client_request parse_publish(const json& msg, const json_text::value* raw,
                             std::string id_json, const parser_limits& limits) {
  auto channel = read_channel(msg, id_json);
  if (auto err = std::get_if<request_error>(&channel))
    return std::move(*err);
  auto it = msg.find("data");
  if (it == msg.end())
    return bad_request("missing field 'data'", id_json);
  std::string key;
  if (auto k = msg.find("key"); k != msg.end() && !k->is_null()) {
    if (!k->is_string())
      return bad_request("field 'key' must be a string", id_json);
    key = k->get<std::string>();
    if (key.empty() || key.size() > max_idempotency_key)
      return bad_request("field 'key' must have 1 to "
                           + std::to_string(max_idempotency_key)
                           + " characters",
                         id_json);
  }
  const json_text::value* raw_data = raw ? raw->find("data") : nullptr;
  auto data = raw_data ? json_text::dump(*raw_data) : it->dump();
  if (data.size() > limits.max_frame)
    return request_error{"too_large",
                         "field 'data' is " + std::to_string(data.size())
                           + " bytes, the limit is "
                           + std::to_string(limits.max_frame),
                         id_json};
  return publish_request{std::move(std::get<std::string>(channel)),
                         std::move(data), std::move(id_json), std::move(key)};
}

client_request parse_auth(const json& msg, std::string id_json) {
  auto it = msg.find("token");
  if (it == msg.end())
    return bad_request("missing field 'token'", id_json);
  if (!it->is_string())
    return bad_request("field 'token' must be a string", id_json);
  return auth_request{it->get<std::string>(), std::move(id_json)};
}

client_request parse_message(const json& msg, const json_text::value* raw,
                             const parser_limits& limits) {
  if (!msg.is_object())
    return bad_request("a message must be a JSON object");
  std::string id_json;
  if (auto it = msg.find("id"); it != msg.end()) {
    if (!it->is_string() && !it->is_number_integer())
      return bad_request("field 'id' must be a string or an integer");
    id_json = it->dump();
  }
  auto type_it = msg.find("type");
  if (type_it == msg.end())
    return bad_request("missing field 'type'", std::move(id_json));
  if (!type_it->is_string())
    return bad_request("field 'type' must be a string", std::move(id_json));
  const auto& type = type_it->get_ref<const std::string&>();
  if (type == "subscribe")
    return parse_subscribe(msg, std::move(id_json));
  if (type == "unsubscribe")
    return parse_unsubscribe(msg, std::move(id_json));
  if (type == "publish")
    return parse_publish(msg, raw, std::move(id_json), limits);
  if (type == "ping")
    return ping_request{std::move(id_json)};
  if (type == "auth")
    return parse_auth(msg, std::move(id_json));
  return request_error{"unknown_type", "unknown message type " + excerpt(type),
                       std::move(id_json)};
}

} // namespace

bool json_depth_ok(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth)
          return false;
        break;
      case ']':
      case '}':
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

std::vector<client_request> parse_text_frame(std::string_view text,
                                             const parser_limits& limits) {
  std::vector<client_request> out;
  if (!json_depth_ok(text, limits.max_depth)) {
    out.emplace_back(bad_request("JSON nested deeper than "
                                 + std::to_string(limits.max_depth)
                                 + " levels"));
    return out;
  }
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    out.emplace_back(bad_request("malformed JSON"));
    return out;
  }
  if (doc.is_array()) {
    if (doc.empty()) {
      out.emplace_back(bad_request("empty array of messages"));
    } else if (doc.size() > limits.max_batch) {
      out.emplace_back(bad_request("too many messages in one frame ("
                                   + std::to_string(doc.size()) + ", at most "
                                   + std::to_string(limits.max_batch) + ")"));
    } else {
      out.reserve(doc.size());
      auto raw = json_text::parse(text);
      for (size_t i = 0; i < doc.size(); ++i)
        out.emplace_back(parse_message(
          doc[i], raw && i < raw->items.size() ? &raw->items[i] : nullptr,
          limits));
    }
    return out;
  }
  auto raw = json_text::parse(text);
  out.emplace_back(parse_message(doc, raw ? &*raw : nullptr, limits));
  return out;
}

} // namespace tidewire::net
