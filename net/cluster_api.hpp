#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "net/http_api.hpp"

// GET /api/v1/cluster: what this node's membership actor sees.
//   {"node": NAME, "quorum": bool,
//    "members": [{"name": ..., "state": "up"|"down", "self": bool}, ...]}
namespace tidewire::net {

inline constexpr std::string_view cluster_api_path = "/api/v1/cluster";

// Serves a request whose path is cluster_api_path. `done` is called exactly
// once, inline (405) or later on a CAF worker thread.
void handle_cluster_api(caf::actor_system& sys, const caf::actor& membership,
                        const api_request& req,
                        std::function<void(api_response)> done);

// The response body for `view`.
std::string cluster_json(const cluster::cluster_view& view);

} // namespace tidewire::net
