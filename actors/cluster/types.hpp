#pragma once

#include <caf/fwd.hpp>

namespace tidewire::cluster {

// Registers every type that crosses nodes (messages.hpp, the records and
// errors they carry) with CAF under a "tidewire." name. Called once on the
// config before the actor system of a cluster node starts.
void register_cluster_types(caf::actor_system_config& cfg);

} // namespace tidewire::cluster
