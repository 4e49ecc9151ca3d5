#pragma once

#include <string>

#include <caf/actor.hpp>

#include "actors/cluster/channel_role.hpp"
#include "actors/cluster/cluster_view.hpp"

namespace tidewire::cluster {

// The role of this node (view.self) for `channel` under `view`: placement
// over the members that are up (this node always counts), with the `node`
// actors through which the owner and replica are reached. `self_service`
// stands in for this node's own "channels" service.
channel_role role_for(const cluster_view& view, const std::string& channel,
                      bool sync, const caf::actor& self_service);

// True when a channel actor must hear about the change from `before` to
// `after`.
bool role_changed(const channel_role& before, const channel_role& after);

} // namespace tidewire::cluster
