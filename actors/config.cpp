#include "actors/config.hpp"

namespace tidewire {

std::vector<channel_decl> default_channel_decls() {
  return {
    {"dashboard", "state"},   {"trades", "stream"}, {"positions", "state"},
    {"performance", "state"}, {"alerts", "stream"},
  };
}

const channel_decl* find_decl(const std::vector<channel_decl>& decls,
                              const std::string& name) {
  for (auto& decl : decls) {
    const auto& p = decl.pattern;
    if (!p.empty() && p.back() == '*') {
      if (name.size() >= p.size() - 1
          && name.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0)
        return &decl;
    } else if (p == name) {
      return &decl;
    }
  }
  return nullptr;
}

bool valid_channel_name(const std::string& name) {
  if (name.empty() || name.size() > 128)
    return false;
  for (unsigned char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':'
              || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

} // namespace tidewire
