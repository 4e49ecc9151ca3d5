#include "ws_subscriber.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

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

void ws_subscriber::on_update(const nlohmann::json& msg,
                              clock_type::time_point at) {
  auto seq = msg.at("seq").get<uint64_t>();
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
  auto sent_ns = msg.at("data").at("t").get<int64_t>();
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
