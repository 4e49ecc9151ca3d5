#include "net/cluster_api.hpp"

#include <nlohmann/json.hpp>

#include "actors/api.hpp"
#include "actors/errors.hpp"

namespace tidewire::net {

std::string cluster_json(const cluster::cluster_view& view) {
  auto members = nlohmann::json::array();
  for (const auto& m : view.members)
    members.push_back({{"name", m.name},
                       {"state", m.up ? "up" : "down"},
                       {"self", m.name == view.self}});
  return nlohmann::json{{"node", view.self},
                        {"quorum", view.quorum},
                        {"members", std::move(members)}}
    .dump();
}

void handle_cluster_api(caf::actor_system& sys, const caf::actor& membership,
                        const api_request& req,
                        std::function<void(api_response)> done) {
  if (req.method != "GET") {
    auto res = error_response(405, "method_not_allowed",
                              "method not allowed, use GET");
    res.allow = "GET";
    return done(std::move(res));
  }
  api::cluster(sys, membership,
               [done = std::move(done)](
                 caf::expected<cluster::cluster_view> view) {
                 if (!view)
                   return done(error_response(error_code(view.error()),
                                              error_message(view.error())));
                 done(api_response{200, cluster_json(*view), {}});
               });
}

} // namespace tidewire::net
