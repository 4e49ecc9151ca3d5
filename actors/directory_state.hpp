#pragma once

// Private to the directory actor's files: directory.cpp (names to channel
// actors, the list, start and stop, the behaviour), directory_cluster.cpp
// (where each channel lives in a cluster) and directory_retire.cpp (idle
// channels from `*` patterns are retired).

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/cluster/channel_role.hpp"
#include "actors/cluster/messages.hpp"
#include "actors/directory.hpp"
#include "actors/messages.hpp"

namespace tidewire::directory_detail {

// How long the directory waits for a channel's answer about itself.
constexpr auto info_timeout = std::chrono::seconds(5);

struct directory_state {
  static inline const char* name = "tidewire.directory";

  directory_config cfg;
  std::map<std::string, caf::actor> channels;
  // What each of them last reported (report_summary in the channel): the
  // channel list and /metrics read this, never the channels themselves, so
  // their cost does not grow with the number of channel actors to ask.
  std::map<std::string, channel_info> summaries;
  // The name of each channel actor until its down message: with 100 k
  // channels stopping at once, finding each by a scan of `channels` took
  // minutes.
  std::map<caf::actor_addr, std::string> names;
  // Cluster mode.
  std::optional<cluster::cluster_view> view;
  std::map<std::string, channel_role> roles; // last role sent per channel
  // Stored channels wait for the first view to be placed.
  std::vector<storage::channel_meta> stored;
  // Stopping: the directory quits with this reason once every channel is
  // down (a state channel stores its document as it stops).
  std::optional<caf::error> stopping;
  // Start-up: true once every channel started then has answered (restored).
  bool loaded = false;
  std::vector<caf::response_promise> load_waiters;
  // Channels from `*` patterns seen empty and unsubscribed at the last check.
  std::set<std::string> idle;

  bool clustered() const {
    return static_cast<bool>(cfg.membership);
  }
};

using directory_actor = caf::stateful_actor<directory_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<directory_state, directory_actor*>);

// directory.cpp

// The channel actor for `name`, spawned (and listed) if there is none yet.
caf::actor ensure_channel(directory_actor* self, const std::string& name,
                          const channel_decl& decl);

// Start-up is over once every channel started so far has answered.
void finish_loading(directory_actor* self);

// The declaration a channel called `name` is made from, or why there is
// none: invalid_channel (a bad name), unknown_channel (no pattern matches).
caf::expected<const channel_decl*> declared(const directory_state& st,
                                            const std::string& name);

// directory_cluster.cpp

// This node's part in `name` under the current view (which must be set).
channel_role role_of(directory_actor* self, const std::string& name);

// The owner makes sure its replica follows the channel.
void tell_replica(directory_actor* self, const std::string& name,
                  const channel_role& role);

// A new view: channels hear their new roles; the first one starts the
// channels this node owns or replicates.
void on_view(directory_actor* self, cluster::cluster_view view);

// Peers' requests to the "channels" service.
caf::result<cluster::resolved> resolve(directory_actor* self,
                                       const cluster::resolve_request& req);
caf::result<ok_atom> ensure(directory_actor* self,
                            const cluster::ensure_request& req);

// directory_retire.cpp

// A stored name that start-up does not bring back (a `*` pattern's channel
// that never had an update): the store is told to forget it; true if so.
bool retire_stored(directory_actor* self, const storage::channel_meta& meta,
                   const channel_decl& decl);

// One idle check (tick_atom); arms the next one while the sweep is on.
void sweep_idle(directory_actor* self);

} // namespace tidewire::directory_detail
