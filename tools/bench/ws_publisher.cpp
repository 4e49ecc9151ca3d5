#include "ws_publisher.hpp"

#include <algorithm>
#include <cmath>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace tidewire::bench {

namespace {

int64_t steady_ns(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           t.time_since_epoch())
    .count();
}

// {"t":..,"n":..,"p":"xx…"} of `size` bytes (or just over when `size` is
// smaller than the fields themselves).
nlohmann::json update_data(clock_type::time_point t, uint64_t n, size_t size) {
  nlohmann::json data{{"t", steady_ns(t)}, {"n", n}, {"p", ""}};
  auto bare = data.dump().size();
  if (size > bare)
    data["p"] = std::string(size - bare, 'x');
  return data;
}

} // namespace

ws_publisher::ws_publisher(boost::asio::io_context& ioc,
                           boost::asio::ip::tcp::endpoint node, progress& prog,
                           publish_plan plan, bool msgpack)
  : ws_client(ioc, node, prog, msgpack), plan_(std::move(plan)), timer_(executor()) {
}

void ws_publisher::begin() {
  boost::asio::post(executor(), [self = std::static_pointer_cast<ws_publisher>(
                                   shared_from_this())] {
    self->started_ = true;
    self->start_ = self->s_.first_send = clock_type::now();
    self->tick();
  });
}

void ws_publisher::on_open() {
  progress_.reach(phase::ready);
}

// Sends every publish due by now that the window allows, then sleeps until
// the next one is due. Publish k (from 0) is due k / rate seconds after
// begin(); a late timer sends several at once, so the rate holds on average.
void ws_publisher::tick() {
  if (stopped_)
    return;
  auto elapsed = seconds_since(start_);
  if (elapsed < plan_.seconds) {
    auto due = std::min<uint64_t>(
      plan_.count, static_cast<uint64_t>(std::floor(elapsed * plan_.rate)) + 1);
    while (s_.sent < due && unanswered_.size() < plan_.window)
      publish_one();
  }
  if (s_.sent >= plan_.count || elapsed >= plan_.seconds) {
    stopped_ = true;
    return maybe_finish();
  }
  if (unanswered_.size() >= plan_.window) {
    window_full_ = true;
    return;
  }
  auto next = std::min(static_cast<double>(s_.sent) / plan_.rate, plan_.seconds);
  timer_.expires_at(start_ + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(next)));
  timer_.async_wait([self = std::static_pointer_cast<ws_publisher>(
                       shared_from_this())](boost::system::error_code ec) {
    if (!ec)
      self->tick();
  });
}

void ws_publisher::publish_one() {
  auto n = ++s_.sent;
  auto now = clock_type::now();
  unanswered_.emplace(n, now);
  send(nlohmann::json{{"type", "publish"},
                      {"id", n},
                      {"channel", plan_.channel},
                      {"data", update_data(now, n, plan_.payload)}}
         .dump());
}

void ws_publisher::on_message(const nlohmann::json& msg,
                              clock_type::time_point at) {
  const auto& type = msg.at("type").get_ref<const std::string&>();
  auto id = msg.find("id");
  if ((type == "published" || type == "error") && id != msg.end()
      && id->is_number_unsigned())
    return on_answer(id->get<uint64_t>(), msg, at);
  if (type == "error")
    fail("error " + msg.at("code").get<std::string>() + ": "
         + msg.value("message", ""));
}

void ws_publisher::on_answer(uint64_t id, const nlohmann::json& msg,
                             clock_type::time_point at) {
  auto it = unanswered_.find(id);
  if (it == unanswered_.end())
    return fail("an answer to publish " + std::to_string(id)
                + ", which is not awaiting one");
  auto sent_at = it->second;
  unanswered_.erase(it);
  if (msg.at("type") == "published") {
    auto seq = msg.at("seq").get<uint64_t>();
    if (s_.acked > 0 && seq != s_.last_seq + 1)
      s_.seq_gap = true;
    if (s_.acked++ == 0)
      s_.first_seq = seq;
    s_.last_seq = seq;
    s_.last_ack = at;
    s_.ack_latency.add(
      std::chrono::duration_cast<std::chrono::microseconds>(at - sent_at).count());
  } else if (s_.rejected++ == 0) {
    s_.first_rejection = msg.at("code").get<std::string>() + ": "
                         + msg.value("message", "");
  }
  if (window_full_) {
    window_full_ = false;
    tick();
  }
  maybe_finish();
}

void ws_publisher::maybe_finish() {
  if (finished_ || !stopped_ || !unanswered_.empty())
    return;
  finished_ = true;
  last_seq_.store(s_.last_seq, std::memory_order_release);
  progress_.reach(phase::finished);
}

} // namespace tidewire::bench
