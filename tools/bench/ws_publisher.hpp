#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "latency_histogram.hpp"
#include "ws_client.hpp"

namespace tidewire::bench {

struct publish_plan {
  std::string channel;
  double rate;      // publishes per second, paced from begin()
  uint64_t count;   // publishes, at most
  double seconds;   // no publish is sent after this
  size_t payload;   // bytes of each update's data
  size_t window;    // publishes awaiting their answer, at most
};

// What the publisher saw. Read once the io threads have stopped.
struct publisher_summary {
  uint64_t sent = 0;
  uint64_t acked = 0;          // answered `published`
  uint64_t rejected = 0;       // answered with an error (not stored)
  std::string first_rejection; // its code and message
  uint64_t first_seq = 0;      // of the acks, in arrival order
  uint64_t last_seq = 0;
  bool seq_gap = false;        // an ack's seq was not the previous one + 1
  clock_type::time_point first_send{};
  clock_type::time_point last_ack{};
  latency_histogram ack_latency; // publish sent to its `published`
};

// Publishes to one channel over WebSocket at a fixed rate. Each update's
// data carries its send time (`t`, steady clock ns) and number (`n`),
// padded to the planned size. It never has more than `window` publishes
// unanswered (the node refuses more than --max-publishes-in-flight); when
// the node is slower than the rate, it falls behind instead, which shows as
// a lower publish rate. Reaches `ready` when connected and `finished` once
// the count or the time is used up and every publish has its answer.
class ws_publisher : public ws_client {
public:
  ws_publisher(boost::asio::io_context& ioc,
               boost::asio::ip::tcp::endpoint node, progress& prog,
               publish_plan plan, bool msgpack = false);

  // Starts the clock and publishing. Any thread; call once, after `ready`.
  void begin();

  // The seq of the last acknowledged publish (0: none). Any thread; final
  // once `finished` was reached, as it is stored before.
  uint64_t last_seq() const {
    return last_seq_.load(std::memory_order_acquire);
  }

  const publisher_summary& summary() const {
    return s_;
  }

private:
  void on_open() override;
  void on_message(const nlohmann::json& msg, clock_type::time_point at) override;
  void on_answer(uint64_t id, const nlohmann::json& msg,
                 clock_type::time_point at);
  void tick();
  void publish_one();
  void maybe_finish();

  const publish_plan plan_;
  boost::asio::steady_timer timer_;
  std::unordered_map<uint64_t, clock_type::time_point> unanswered_; // by id
  publisher_summary s_;
  clock_type::time_point start_{};
  bool started_ = false;
  bool stopped_ = false;     // no more publishes will be sent
  bool window_full_ = false; // the next answer resumes publishing
  bool finished_ = false;
  std::atomic<uint64_t> last_seq_{0};
};

} // namespace tidewire::bench
