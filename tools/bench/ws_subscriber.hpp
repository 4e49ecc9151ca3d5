#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "latency_histogram.hpp"
#include "ws_client.hpp"

namespace tidewire::bench {

// What one subscriber saw. Read once the io threads have stopped.
struct subscriber_summary {
  uint64_t head = 0;           // the channel's seq in `subscribed`, or `since`
  uint64_t updates = 0;        // updates received
  uint64_t messages = 0;       // WebSocket messages holding them
  uint64_t last_seq = 0;       // seq of the last one
  uint64_t out_of_order = 0;   // updates whose seq was not last_seq + 1
  std::string first_disorder;  // "expected 31, got 33"
  clock_type::time_point last_at{};
  latency_histogram latency;   // publisher's send time to this receive time
};

// Subscribes to one stream channel (reaching `ready` with `subscribed`),
// checks every update arrives once and in order, and measures each update's
// latency from the send time the publisher put in its data (`t`, steady
// clock nanoseconds: the same clock on the same machine).
class ws_subscriber : public ws_client {
public:
  // With `since`, it resumes: `subscribed` must say `recovered: true`, and
  // the updates after `since` must follow, each once and in order.
  ws_subscriber(boost::asio::io_context& ioc,
                boost::asio::ip::tcp::endpoint node, progress& prog,
                std::string channel,
                std::optional<uint64_t> since = std::nullopt,
                bool msgpack = false);

  // Reaches `finished` once the update with seq `last_seq` has arrived
  // (now, if it already has). Any thread; call at most once.
  void expect(uint64_t last_seq);

  const subscriber_summary& summary() const {
    return s_;
  }

private:
  void on_open() override;
  bool on_text(std::string_view text, clock_type::time_point at) override;
  void on_message(const nlohmann::json& msg, clock_type::time_point at) override;
  void on_update(const nlohmann::json& msg, clock_type::time_point at);
  void on_update(uint64_t seq, int64_t sent_ns, clock_type::time_point at);
  void check_finished();

  const std::string channel_;
  const std::optional<uint64_t> since_;
  subscriber_summary s_;
  bool subscribed_ = false;
  bool finished_ = false;
  uint64_t target_ = std::numeric_limits<uint64_t>::max();
};

} // namespace tidewire::bench
