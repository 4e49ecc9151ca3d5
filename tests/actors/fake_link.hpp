#pragma once

// A connection stand-in for session suites. Include after actor_fixture.hpp.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/client_link.hpp"

namespace tidewire::test {

// Records what the session actor hands its connection, and plays the
// connection's writes: nothing counts as written until the test says so
// (write()). Under the test coordinator every call comes from the one
// scheduler thread.
struct fake_link : client_link {
  std::vector<std::vector<json>> batches;
  uint64_t delivered = 0; // frame bytes handed over
  uint64_t written = 0;   // frame bytes "written" so far
  uint64_t notify_at = 0; // report asked for; 0: none
  size_t notify_calls = 0;
  size_t asked_now = 0; // "how much now?" questions not yet answered
  uint64_t max_unwritten = 0;
  uint16_t close_code = 0;
  wire_format fmt = wire_format::json; // what this connection "writes"

  wire_format format() const override {
    return fmt;
  }

  void deliver(frame_batch frames) override {
    std::vector<json> batch;
    for (auto& f : *frames)
      batch.push_back(json::parse(f->json()));
    batches.push_back(std::move(batch));
    delivered += batch_bytes(*frames, fmt);
    max_unwritten = std::max(max_unwritten, delivered - written);
  }

  void notify_written(uint64_t total) override {
    if (total == 0) {
      ++asked_now;
      return;
    }
    ++notify_calls;
    if (notify_at == 0 || total < notify_at)
      notify_at = total;
  }

  void close(uint16_t code, std::string) override {
    close_code = code;
  }

  std::vector<json> all() const {
    std::vector<json> out;
    for (auto& b : batches)
      out.insert(out.end(), b.begin(), b.end());
    return out;
  }
};

} // namespace tidewire::test
