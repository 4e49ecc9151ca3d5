#include "tools/replay/progress.hpp"

#include <iostream>
#include <unistd.h>

namespace tidewire::replay {

bool is_terminal(const std::ostream& err) {
  return &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
}

progress_bar::progress_bar(std::ostream& err, bool enabled, uint64_t total,
                           std::string label)
  : err_(err), enabled_(enabled), total_(total), label_(std::move(label)) {}

void progress_bar::update(uint64_t done) {
  done_ = done;
  if (!enabled_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100))
    return;
  last_ = now;
  draw(done);
}

void progress_bar::finish() {
  if (!enabled_)
    return;
  draw(done_);
  err_ << '\n' << std::flush;
}

void progress_bar::draw(uint64_t done) {
  constexpr int width = 30;
  int filled = total_ == 0 ? width
                           : static_cast<int>(width * std::min(done, total_)
                                              / total_);
  err_ << '\r' << label_ << " [" << std::string(filled, '#')
       << std::string(width - filled, '.') << "] " << done << '/' << total_
       << std::flush;
  drawn_ = true;
}

} // namespace tidewire::replay
