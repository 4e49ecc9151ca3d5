#include "net/request_parser.hpp"

#include <optional>

#include "actors/config.hpp"
#include "actors/json_scan.hpp"
#include "actors/json_text.hpp"

namespace tidewire::net {

namespace {

namespace jt = json_text;

// One member of a client message: its name (the raw string token) and its
// value, both spans of the frame's text. The frame is read in one pass that
// validates it and keeps only these spans; a request's fields are then read
// from them, and the published `data` is copied out compacted, its numbers
// and strings exactly as written.
struct field {
  std::string_view name;
  std::string_view value;
};

struct message_view {
  bool object = false;
  std::vector<field> fields;

  // The value of the last member called `name` (a repeated name: the last
  // one wins, as in a parsed document), or nullptr.
  const std::string_view* find(std::string_view name) const {
    for (auto it = fields.rbegin(); it != fields.rend(); ++it)
      if (jt::token_equals(it->name, name))
        return &it->value;
    return nullptr;
  }
};

bool is_string(std::string_view v) {
  return v.front() == '"';
}

bool is_null(std::string_view v) {
  return v == "null";
}

// The string a string token denotes.
std::string string_of(std::string_view token) {
  auto inner = token.substr(1, token.size() - 2);
  if (inner.find('\\') == std::string_view::npos)
    return std::string{inner};
  return jt::unescape(token);
}

// Reads the element at `p` (a message, if it is an object) into `msg`;
// returns its end, or nullptr when the text there is not valid JSON.
const char* read_message(const char* p, const char* end, message_view& msg) {
  if (*p != '{')
    return jt::value_end(p, end);
  msg.object = true;
  return jt::for_members(p, end,
                         [&msg](std::string_view name, std::string_view value) {
                           msg.fields.push_back({name, value});
                           return true;
                         });
}

// The frame's messages (one, or the elements of its array), or nullopt
// when the frame is not one valid JSON value.
std::optional<std::vector<message_view>> read_frame(std::string_view text,
                                                    bool* is_array) {
  text = jt::skip_bom(text);
  auto end = text.data() + text.size();
  auto p = jt::skip_ws(text.data(), end);
  if (p == end)
    return std::nullopt;
  std::vector<message_view> out;
  *is_array = *p == '[';
  auto read_one = [&](const char* at) {
    return read_message(at, end, out.emplace_back());
  };
  p = *is_array ? jt::for_elements(p, end, read_one) : read_one(p);
  if (!p || jt::skip_ws(p, end) != end)
    return std::nullopt;
  return out;
}

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

// Reads the required `channel` field; on failure returns the error.
std::variant<std::string, request_error>
read_channel(const message_view& msg, const std::string& id_json) {
  auto v = msg.find("channel");
  if (!v)
    return bad_request("missing field 'channel'", id_json);
  if (!is_string(*v))
    return bad_request("field 'channel' must be a string", id_json);
  auto name = string_of(*v);
  if (!valid_channel_name(name))
    return request_error{"invalid_channel",
                         "invalid channel name " + excerpt(name)
                           + " (expected ^[A-Za-z0-9_.:-]{1,128}$)",
                         id_json};
  return name;
}

client_request parse_subscribe(const message_view& msg, std::string id_json) {
  auto channel = read_channel(msg, id_json);
  if (auto err = std::get_if<request_error>(&channel))
    return std::move(*err);
  subscribe_request req;
  req.channel = std::move(std::get<std::string>(channel));
  // Optional fields may be absent or null.
  if (auto v = msg.find("since"); v && !is_null(*v)) {
    auto n = jt::as_integer(*v);
    if (!n || n->negative)
      return bad_request("field 'since' must be a non-negative integer",
                         id_json);
    req.since = n->magnitude;
  }
  if (auto v = msg.find("epoch"); v && !is_null(*v)) {
    if (!is_string(*v))
      return bad_request("field 'epoch' must be a string", id_json);
    req.epoch = string_of(*v);
  }
  req.id_json = std::move(id_json);
  return req;
}

client_request parse_unsubscribe(const message_view& msg, std::string id_json) {
  auto channel = read_channel(msg, id_json);
  if (auto err = std::get_if<request_error>(&channel))
    return std::move(*err);
  return unsubscribe_request{std::move(std::get<std::string>(channel)),
                             std::move(id_json)};
}

client_request parse_publish(const message_view& msg, std::string id_json,
                             const parser_limits& limits) {
  auto channel = read_channel(msg, id_json);
  if (auto err = std::get_if<request_error>(&channel))
    return std::move(*err);
  auto data_value = msg.find("data");
  if (!data_value)
    return bad_request("missing field 'data'", id_json);
  std::string key;
  if (auto k = msg.find("key"); k && !is_null(*k)) {
    if (!is_string(*k))
      return bad_request("field 'key' must be a string", id_json);
    key = string_of(*k);
    if (key.empty() || key.size() > max_idempotency_key)
      return bad_request("field 'key' must have 1 to "
                           + std::to_string(max_idempotency_key)
                           + " characters",
                         id_json);
  }
  auto data = jt::compact_value(*data_value);
  if (data.size() > limits.max_frame)
    return request_error{"too_large",
                         "field 'data' is " + std::to_string(data.size())
                           + " bytes, the limit is "
                           + std::to_string(limits.max_frame),
                         id_json};
  return publish_request{std::move(std::get<std::string>(channel)),
                         std::move(data), std::move(id_json), std::move(key)};
}

client_request parse_auth(const message_view& msg, std::string id_json) {
  auto v = msg.find("token");
  if (!v)
    return bad_request("missing field 'token'", id_json);
  if (!is_string(*v))
    return bad_request("field 'token' must be a string", id_json);
  return auth_request{string_of(*v), std::move(id_json)};
}

client_request parse_message(const message_view& msg,
                             const parser_limits& limits) {
  if (!msg.object)
    return bad_request("a message must be a JSON object");
  std::string id_json;
  if (auto v = msg.find("id")) {
    if (is_string(*v)) {
      id_json = std::string{*v}; // echoed as the client wrote it
    } else if (auto n = jt::as_integer(*v)) {
      id_json = (n->negative ? "-" : "") + std::to_string(n->magnitude);
    } else {
      return bad_request("field 'id' must be a string or an integer");
    }
  }
  auto type_value = msg.find("type");
  if (!type_value)
    return bad_request("missing field 'type'", std::move(id_json));
  if (!is_string(*type_value))
    return bad_request("field 'type' must be a string", std::move(id_json));
  auto type = string_of(*type_value);
  if (type == "subscribe")
    return parse_subscribe(msg, std::move(id_json));
  if (type == "unsubscribe")
    return parse_unsubscribe(msg, std::move(id_json));
  if (type == "publish")
    return parse_publish(msg, std::move(id_json), limits);
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
  json_text::string_tracker strings;
  for (char c : text) {
    if (strings.in_string(c))
      continue;
    switch (c) {
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
  bool is_array = false;
  auto messages = read_frame(text, &is_array);
  if (!messages) {
    out.emplace_back(bad_request("malformed JSON"));
    return out;
  }
  if (is_array && messages->empty()) {
    out.emplace_back(bad_request("empty array of messages"));
  } else if (is_array && messages->size() > limits.max_batch) {
    out.emplace_back(bad_request("too many messages in one frame ("
                                 + std::to_string(messages->size())
                                 + ", at most "
                                 + std::to_string(limits.max_batch) + ")"));
  } else {
    out.reserve(messages->size());
    for (const auto& msg : *messages)
      out.emplace_back(parse_message(msg, limits));
  }
  return out;
}

} // namespace tidewire::net
