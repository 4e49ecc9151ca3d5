#include "tools/node/flag_values.hpp"

namespace tidewire::node {

caf::error parse_seconds(const std::string& flag, const std::string& text,
                         std::chrono::seconds& out) {
  int64_t seconds = 0;
  if (auto err = parse_number<int64_t>(flag, text, 1, 86'400, seconds))
    return err;
  out = std::chrono::seconds{seconds};
  return {};
}

caf::error parse_bool(const std::string& flag, const std::string& text,
                      bool& out) {
  if (text == "true" || text == "1" || text == "yes") {
    out = true;
    return {};
  }
  if (text == "false" || text == "0" || text == "no") {
    out = false;
    return {};
  }
  return bad("--" + flag + " expects true or false, got '" + text + "'");
}

flag_setter text_flag(std::string& out) {
  return [&out](const std::string& flag, const std::string& v) -> caf::error {
    if (v.empty())
      return bad("--" + flag + " needs a value");
    out = v;
    return {};
  };
}

} // namespace tidewire::node
