#include "ws_subscriber.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <vector>

#include "actors/json_scan.hpp"

namespace tidewire::bench {

ws_subscriber::ws_subscriber(boost::asio::io_context& ioc,
                             boost::asio::ip::tcp::endpoint node,
                             progress& prog, std::string channel,
                             std::optional<uint64_t> since, bool msgpack)
  : ws_client(ioc, node, prog, msgpack), channel_(std::move(channel)), since_(since) {
}

void ws_subscriber::expect(uint64_t last_seq) {
  boost::asio::post(executor(),
                    [self = std::static_pointer_cast<ws_subscriber>(
                       shared_from_this()),
                     last_seq] {
                      self->target_ = last_seq;
                      self->check_finished();
                    });
}

void ws_subscriber::on_open() {
  nlohmann::json msg{{"type", "subscribe"}, {"channel", channel_}, {"id", 1}};
  if (since_)
    msg["since"] = *since_;
  send(msg.dump());
}

void ws_subscriber::on_message(const nlohmann::json& msg,
                               clock_type::time_point at) {
  const auto& type = msg.at("type").get_ref<const std::string&>();
  if (type == "update") {
    on_update(msg, at);
  } else if (type == "subscribed") {
    if (subscribed_)
      return fail("a second `subscribed`");
    subscribed_ = true;
    if (since_ && !msg.value("recovered", false))
      return fail("resuming after seq " + std::to_string(*since_)
                  + " was not recovered");
    s_.head = s_.last_seq = since_ ? *since_ : msg.at("seq").get<uint64_t>();
    progress_.reach(phase::ready);
  } else if (type == "error") {
    fail("error " + msg.at("code").get<std::string>() + ": "
         + msg.value("message", ""));
  }
  // `welcome` and anything new in the protocol: nothing to check.
}

namespace {

namespace jt = json_text;

// What the checks need of one `update`.
struct update_fields {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
};

std::optional<int64_t> signed_integer(std::string_view token) {
  auto n = jt::as_integer(token);
  if (!n || (!n->negative && n->magnitude > INT64_MAX))
    return std::nullopt;
  return n->negative ? static_cast<int64_t>(0 - n->magnitude)
                     : static_cast<int64_t>(n->magnitude);
}

// One `update` object at `p`: its seq and its data's `t`. nullptr for
// anything else (another type, a field missing or of another type).
const char* read_update(const char* p, const char* end, update_fields& out) {
  bool is_update = false, has_seq = false, has_t = false;
  p = jt::for_members(p, end, [&](std::string_view name, std::string_view value) {
    if (jt::token_equals(name, "type")) {
      is_update = value == "\"update\"";
    } else if (jt::token_equals(name, "seq")) {
      auto n = jt::as_integer(value);
      has_seq = n && !n->negative;
      out.seq = has_seq ? n->magnitude : 0;
    } else if (jt::token_equals(name, "data")) {
      has_t = false;
      auto data_end = value.data() + value.size();
      return jt::for_members(value.data(), data_end,
                         [&](std::string_view key, std::string_view v) {
                           if (jt::token_equals(key, "t")) {
                             auto t = signed_integer(v);
                             has_t = t.has_value();
                             out.sent_ns = t.value_or(0);
                           }
                           return true;
                         })
             == data_end;
    }
    return true;
  });
  return p && is_update && has_seq && has_t ? p : nullptr;
}

} // namespace

// The node's messages, one or an array of them: updates are read without
// building a document (on two shared cores a reconnect storm's figure was
// the bench clients' JSON parsing, not the node); any other message (a
// resume's `subscribed` comes in the same array as its first updates) is
// parsed for on_message. A frame this reader does not follow goes whole to
// the parser instead, before anything of it was acted on.
bool ws_subscriber::on_text(std::string_view text,
                            clock_type::time_point at) {
  struct element {
    bool update = false;
    update_fields fields;
    std::string_view other; // not an update: its text
  };
  auto end = text.data() + text.size();
  auto p = jt::skip_ws(text.data(), end);
  if (p == end)
    return false;
  std::vector<element> elements;
  auto read_one = [&](const char* at_p) -> const char* {
    auto& e = elements.emplace_back();
    if (auto q = read_update(at_p, end, e.fields)) {
      e.update = true;
      return q;
    }
    auto q = jt::value_end(at_p, end);
    if (q)
      e.other = std::string_view{at_p, static_cast<size_t>(q - at_p)};
    return q;
  };
  p = *p == '[' ? jt::for_elements(p, end, read_one) : read_one(p);
  if (!p || jt::skip_ws(p, end) != end)
    return false;
  for (auto& e : elements) {
    if (e.update) {
      on_update(e.fields.seq, e.fields.sent_ns, at);
      continue;
    }
    try {
      on_message(nlohmann::json::parse(e.other), at);
    } catch (const nlohmann::json::exception& ex) {
      fail(std::string{"unexpected message ("} + ex.what()
           + "): " + std::string{e.other.substr(0, 80)});
      return true;
    }
  }
  return true;
}

void ws_subscriber::on_update(const nlohmann::json& msg,
                              clock_type::time_point at) {
  on_update(msg.at("seq").get<uint64_t>(), msg.at("data").at("t").get<int64_t>(),
            at);
}

void ws_subscriber::on_update(uint64_t seq, int64_t sent_ns,
                              clock_type::time_point at) {
  if (!subscribed_ || seq != s_.last_seq + 1) {
    if (s_.out_of_order++ == 0)
      s_.first_disorder = "expected seq " + std::to_string(s_.last_seq + 1)
                          + ", got " + std::to_string(seq)
                          + (subscribed_ ? "" : " before `subscribed`");
  }
  // The updates of one WebSocket message share its read time.
  if (at != s_.last_at)
    ++s_.messages;
  ++s_.updates;
  s_.last_seq = seq;
  s_.last_at = at;
  auto at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 at.time_since_epoch())
                 .count();
  s_.latency.add((at_ns - sent_ns) / 1000);
  check_finished();
}

void ws_subscriber::check_finished() {
  if (!finished_ && subscribed_ && s_.last_seq >= target_) {
    finished_ = true;
    progress_.reach(phase::finished);
  }
}

} // namespace tidewire::bench
