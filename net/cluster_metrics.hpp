#pragma once

#include <string>
#include <vector>

#include "actors/messages.hpp"

namespace tidewire::net {

// The cluster data path's series, summed over this node's channels (from
// the directory's channel list): channels by role, records replicated and
// the time owners waited for their replicas, how far followers trail their
// owners, and ownership changes. Rendered only in cluster mode.
std::string render_replication(const std::vector<channel_info>& channels);

} // namespace tidewire::net
