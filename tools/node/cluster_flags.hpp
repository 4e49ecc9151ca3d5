#pragma once

#include <set>
#include <string>

#include <caf/error.hpp>

#include "tools/node/flag_values.hpp"
#include "tools/node/options.hpp"

// The --cluster-* flags, --seeds and --replication, and how they hang
// together.
namespace tidewire::node {

// Adds the cluster flags to `flags`; they write into `c`.
void add_cluster_flags(flag_table& flags, cluster_options& c);

// After parsing (`given` holds the names of the flags given): --cluster-port
// turns cluster mode on and needs a node name and the TLS files; the other
// cluster flags need --cluster-port.
caf::error check_cluster(const std::set<std::string>& given,
                         const std::string& node_name, cluster_options& c);

} // namespace tidewire::node
