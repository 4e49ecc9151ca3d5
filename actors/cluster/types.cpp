#include "actors/cluster/types.hpp"

#include <caf/actor_system_config.hpp>

#include "actors/cluster/messages.hpp"
#include "actors/messages.hpp"

namespace tidewire::cluster {

void register_cluster_types(caf::actor_system_config& cfg) {
  // add_message_type also registers std::vector<T>.
  cfg.add_message_type<storage::record>("tidewire.record");
  cfg.add_message_type<resolve_request>("tidewire.resolve_request");
  cfg.add_message_type<resolved>("tidewire.resolved");
  cfg.add_message_type<ensure_request>("tidewire.ensure_request");
  cfg.add_message_type<claim_request>("tidewire.claim_request");
  cfg.add_message_type<snapshot>("tidewire.snapshot");
  cfg.add_message_type<follow_request>("tidewire.follow_request");
  cfg.add_message_type<unfollow_request>("tidewire.unfollow_request");
  cfg.add_message_type<batch>("tidewire.batch");
  cfg.add_message_type<replicate_request>("tidewire.replicate_request");
  cfg.add_message_type<replicated>("tidewire.replicated");
  cfg.add_message_type<fetch_request>("tidewire.fetch_request");
  cfg.add_message_type<publish_request>("tidewire.publish_request");
  cfg.add_message_type<publish_result>("tidewire.publish_result");
  cfg.add_message_type<read_request>("tidewire.read_request");
  cfg.add_message_type<read_result>("tidewire.read_result");
}

} // namespace tidewire::cluster
