#pragma once

// For the /metrics renderers' tests: whether a rendered exposition holds
// `line` as one whole line.

#include <string>

inline bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos
         || text.rfind(line + "\n", 0) == 0;
}
