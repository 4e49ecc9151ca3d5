#include "net/metric_text.hpp"

namespace tidewire::net {

void metric_header(std::string& out, std::string_view name,
                   std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void metric_sample(std::string& out, std::string_view name,
                   std::string_view value) {
  out += name;
  out += ' ';
  out += value;
  out += '\n';
}

std::string label_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

} // namespace tidewire::net
