#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "actors/messages.hpp"

namespace tidewire::api {

// Asynchronous request/reply calls into the actor system for code outside it
// (the HTTP API). Each call spawns a short-lived actor that asks the
// directory and the channel, then calls `done` exactly once, on a CAF worker
// thread: callers post the result to their own strand. Errors are made by
// tidewire::make_error (see actors/errors.hpp).

// `key`: the publisher's idempotency key, "" for none.
void publish(caf::actor_system& sys, const caf::actor& directory,
             std::string channel, std::string data_json, std::string key,
             std::function<void(caf::expected<publish_ack>)> done);

// Every channel, ordered by name.
void list_channels(
  caf::actor_system& sys, const caf::actor& directory,
  std::function<void(caf::expected<std::vector<channel_info>>)> done);

// The first `count` channels named after `after` ("": from the first).
void list_channels(
  caf::actor_system& sys, const caf::actor& directory, std::string after,
  uint64_t count,
  std::function<void(caf::expected<std::vector<channel_info>>)> done);

// Updates with seq > since, oldest first, at most `limit`.
void history(caf::actor_system& sys, const caf::actor& directory,
             std::string channel, uint64_t since, uint32_t limit,
             std::function<void(caf::expected<history_page>)> done);

// The document of a state channel; error unknown_channel for a stream channel.
void state(caf::actor_system& sys, const caf::actor& directory,
           std::string channel,
           std::function<void(caf::expected<state_doc>)> done);

// What this node's membership actor (actors/cluster/membership.hpp) sees:
// members, their state and whether this node has a majority.
void cluster(caf::actor_system& sys, const caf::actor& membership,
             std::function<void(caf::expected<cluster::cluster_view>)> done);

} // namespace tidewire::api
