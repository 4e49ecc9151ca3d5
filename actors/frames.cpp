#include "actors/frames.hpp"

#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/json_scan.hpp"

namespace tidewire::frames {

using json = nlohmann::json;

namespace {

frame finish(json& msg, const std::string& id_json) {
  if (!id_json.empty())
    msg["id"] = json::parse(id_json, nullptr, false);
  return make_frame(msg.dump());
}

// Appends `"data":<data_json>` to a message: the data's text goes out as it
// was published (numbers are not re-serialised; see json_text.hpp). It was
// validated when it entered the node.
frame finish_with_data(json& msg, const std::string& data_json) {
  auto text = msg.dump();
  text.pop_back(); // '}'
  text += ",\"data\":";
  text += data_json.empty() ? std::string{"null"} : data_json;
  text.push_back('}');
  return make_frame(std::move(text));
}


// Text that JSON carries as is between quotes: channel names and epochs.
bool plain_name(const std::string& s) {
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-')
      return false;
  return true;
}

// Printable ASCII without quotes or backslashes: JSON carries it as is.
bool plain_text(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
      return false;
  return true;
}

// An id that a JSON document prints exactly as it came: an integer a
// document holds as one (no leading zero, no -0, which it prints as 0, and
// within int64/uint64, beyond which it becomes a float), or a string of
// printable ASCII with no escapes.
bool plain_id(const std::string& id) {
  if (id.empty())
    return true;
  if (id.front() == '"') {
    return id.size() >= 2 && id.back() == '"'
           && plain_text(std::string_view{id}.substr(1, id.size() - 2));
  }
  size_t i = id.front() == '-' ? 1 : 0;
  if (i >= id.size() || (id[i] == '0' && (id.size() > i + 1 || i == 1)))
    return false;
  for (size_t k = i; k < id.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(id[k])))
      return false;
  return id.size() - i < 19 || json_text::as_integer(id).has_value();
}

// A JSON string token of `text`; built directly when nothing needs escaping
// (every valid channel name), which is the case on every update.
std::string quoted(const std::string& text) {
  if (plain_name(text))
    return '"' + text + '"';
  return json(text).dump();
}

// The members `subscribed` and `published` begin with, in name order:
// `{"channel":…,"epoch":…` and the request's id if it had one.
void open_channel_epoch_id(std::string& out, const std::string& channel,
                           const std::string& epoch,
                           const std::string& id_json) {
  out += R"({"channel":")";
  out += channel;
  out += R"(","epoch":")";
  out += epoch;
  out += '"';
  if (!id_json.empty()) {
    out += R"(,"id":)";
    out += id_json;
  }
}

} // namespace

frame welcome(const std::string& node, const std::string& session,
              const session_limits& limits) {
  // One per connection, so a reconnect storm builds thousands at once: as
  // text, the same bytes as the document below, when nothing needs escaping.
  if (plain_name(node) && plain_name(session)) {
    std::string out;
    out.reserve(128 + node.size() + session.size());
    out += R"({"heartbeat_ms":)";
    out += std::to_string(limits.heartbeat_ms);
    out += R"(,"node":")";
    out += node;
    out += R"(","protocol":1,"reconnect":{"base_ms":)";
    out += std::to_string(limits.reconnect_base_ms);
    out += R"(,"max_ms":)";
    out += std::to_string(limits.reconnect_max_ms);
    out += R"(},"session":")";
    out += session;
    out += R"(","type":"welcome"})";
    return make_frame(std::move(out));
  }
  json msg = {{"type", "welcome"},
              {"node", node},
              {"session", session},
              {"protocol", 1},
              {"heartbeat_ms", limits.heartbeat_ms},
              {"reconnect",
               {{"base_ms", limits.reconnect_base_ms},
                {"max_ms", limits.reconnect_max_ms}}}};
  return finish(msg, {});
}

frame subscribed(const std::string& channel, const std::string& kind,
                 const std::string& epoch, uint64_t seq, bool recovered,
                 const std::string& id_json) {
  // One per subscribe, so once per client in a reconnect storm: as text
  // (the document's bytes, members in name order) when nothing needs
  // escaping.
  if (plain_name(channel) && plain_name(kind) && plain_name(epoch)
      && plain_id(id_json)) {
    std::string out;
    out.reserve(96 + channel.size() + epoch.size() + id_json.size());
    open_channel_epoch_id(out, channel, epoch, id_json);
    out += R"(,"kind":")";
    out += kind;
    out += R"(","recovered":)";
    out += recovered ? "true" : "false";
    out += R"(,"seq":)";
    out += std::to_string(seq);
    out += R"(,"type":"subscribed"})";
    return make_frame(std::move(out));
  }
  json msg = {{"type", "subscribed"}, {"channel", channel},
              {"kind", kind},         {"epoch", epoch},
              {"seq", seq},           {"recovered", recovered}};
  return finish(msg, id_json);
}

frame update(const std::string& channel, const storage::record& rec) {
  // Built as text around the stored data, which is already compact JSON:
  // parsing it into a document only to dump it again was most of the cost of
  // encoding an update. A check without building a document still keeps a
  // damaged record from becoming a malformed frame (a byte-order mark, which
  // a parser skips only at the start of a text, included).
  const bool valid = json_text::valid(rec.data)
                     && std::string_view{rec.data}.substr(0, 3) != "\xEF\xBB\xBF";
  std::string out;
  out.reserve(rec.data.size() + channel.size() + 80);
  out += R"({"type":"update","channel":)";
  out += quoted(channel);
  out += R"(,"seq":)";
  out += std::to_string(rec.seq);
  out += R"(,"ts":)";
  out += std::to_string(rec.ts);
  out += R"(,"data":)";
  out += valid ? rec.data : std::string{"null"};
  out += '}';
  return make_frame(std::move(out));
}

frame conflated_update(const std::string& channel, uint64_t seq, int64_t ts,
                       const std::string& data_json) {
  std::string out;
  out.reserve(data_json.size() + channel.size() + 100);
  out += R"({"type":"update","channel":)";
  out += quoted(channel);
  out += R"(,"seq":)";
  out += std::to_string(seq);
  out += R"(,"ts":)";
  out += std::to_string(ts);
  out += R"(,"conflated":true,"data":)";
  out += data_json;
  out += '}';
  return make_frame(std::move(out));
}

frame snapshot(const std::string& channel, uint64_t seq,
               const std::string& epoch, const std::string& data_json) {
  json msg = {{"type", "snapshot"},
              {"channel", channel},
              {"seq", seq},
              {"epoch", epoch}};
  return finish_with_data(msg, data_json);
}

frame unsubscribed(const std::string& channel, const std::string& id_json) {
  json msg = {{"type", "unsubscribed"}, {"channel", channel}};
  return finish(msg, id_json);
}


frame published(const std::string& channel, uint64_t seq,
                const std::string& epoch, const std::string& id_json) {
  // One per publish: built as text, the same bytes as the document below
  // (members in name order), when nothing needs escaping.
  if (plain_name(channel) && plain_name(epoch) && plain_id(id_json)) {
    std::string out;
    out.reserve(64 + channel.size() + epoch.size() + id_json.size());
    open_channel_epoch_id(out, channel, epoch, id_json);
    out += R"(,"seq":)";
    out += std::to_string(seq);
    out += R"(,"type":"published"})";
    return make_frame(std::move(out));
  }
  json msg = {{"type", "published"},
              {"channel", channel},
              {"seq", seq},
              {"epoch", epoch}};
  return finish(msg, id_json);
}

frame pong(const std::string& id_json) {
  json msg = {{"type", "pong"}};
  return finish(msg, id_json);
}

frame error(const std::string& code, const std::string& message,
            const std::string& id_json) {
  // Refusals can come at the rate of publishes (rate_limited): built as
  // text, the same bytes as the document below, when nothing needs escaping.
  if (plain_name(code) && plain_text(message) && plain_id(id_json)) {
    std::string out;
    out.reserve(48 + code.size() + message.size() + id_json.size());
    out += R"({"code":")";
    out += code;
    if (!id_json.empty()) {
      out += R"(","id":)";
      out += id_json;
      out += R"(,"message":")";
    } else {
      out += R"(","message":")";
    }
    out += message;
    out += R"(","type":"error"})";
    return make_frame(std::move(out));
  }
  json msg = {{"type", "error"}, {"code", code}, {"message", message}};
  return finish(msg, id_json);
}

frame channel_error(const std::string& channel, const std::string& code,
                    const std::string& message, const std::string& id_json) {
  json msg = {{"type", "error"},
              {"code", code},
              {"message", message},
              {"channel", channel}};
  return finish(msg, id_json);
}

frame subscribed_gap(const std::string& channel, const std::string& kind,
                     const std::string& epoch, uint64_t seq,
                     uint64_t missing_from, uint64_t missing_to,
                     const std::string& id_json) {
  json msg = {{"type", "subscribed"},
              {"channel", channel},
              {"kind", kind},
              {"epoch", epoch},
              {"seq", seq},
              {"recovered", false},
              {"reason", "trimmed"},
              {"missing", {{"from", missing_from}, {"to", missing_to}}}};
  return finish(msg, id_json);
}

} // namespace tidewire::frames
