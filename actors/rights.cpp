#include "actors/rights.hpp"

#include <nlohmann/json.hpp>

namespace tidewire {

frame forbidden_frame(const std::string& channel, const std::string& action,
                      const std::string& id_json) {
  nlohmann::json msg = {{"type", "error"},
                        {"code", "forbidden"},
                        {"channel", channel},
                        {"message", "the token does not allow " + action
                                      + " on " + channel}};
  if (!id_json.empty())
    msg["id"] = nlohmann::json::parse(id_json, nullptr, false);
  return make_frame(msg.dump());
}

} // namespace tidewire
