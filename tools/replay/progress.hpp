#pragma once

// A one-line progress bar on stderr for long exports, imports and replays,
// drawn only when stderr is a terminal (so logs and pipes stay clean).

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace tidewire::replay {

// True when `err` is std::cerr and file descriptor 2 is a terminal.
bool is_terminal(const std::ostream& err);

class progress_bar {
public:
  progress_bar(std::ostream& err, bool enabled, uint64_t total,
               std::string label);
  // Redraws at most every 100 ms.
  void update(uint64_t done);
  // Draws the final state and ends the line (when anything was drawn).
  void finish();

private:
  void draw(uint64_t done);
  std::ostream& err_;
  bool enabled_;
  bool drawn_ = false;
  uint64_t total_;
  uint64_t done_ = 0;
  std::string label_;
  std::chrono::steady_clock::time_point last_{};
};

} // namespace tidewire::replay
