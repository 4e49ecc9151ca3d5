#include "actors/directory.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/channel.hpp"
#include "actors/cluster/messages.hpp"
#include "actors/cluster/remote_read.hpp"
#include "actors/cluster/roles.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace tidewire {

namespace {

constexpr auto info_timeout = std::chrono::seconds(5);
constexpr auto peer_timeout = std::chrono::seconds(5);

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

channel_role role_of(directory_actor* self, const std::string& name) {
  auto& st = self->state;
  return cluster::role_for(*st.view, name, st.cfg.sync_replication,
                           caf::actor_cast<caf::actor>(self));
}

// The owner makes sure its replica follows the channel (the replica's node
// may never have heard of it: names from patterns are made on first use).
void tell_replica(directory_actor* self, const std::string& name,
                  const channel_role& role) {
  if (!role.owner || !role.replica_node)
    return;
  auto msg = cluster::ensure_request{cluster::protocol_version, name};
  self->request(role.replica_node, peer_timeout, get_atom::value,
                std::string{"channels"})
    .then(
      [self, msg](const caf::actor& service) {
        self->request(service, peer_timeout, msg)
          .then([](ok_atom) {}, [](caf::error&) {});
      },
      [](caf::error&) {});
}

caf::actor ensure_channel(directory_actor* self, const std::string& name,
                          const channel_decl& decl) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  channel_params params{name,
                        decl,
                        st.cfg.limits,
                        st.cfg.store_writer,
                        st.cfg.store_reader,
                        std::nullopt,
                        self->address()};
  if (st.clustered()) {
    auto role = role_of(self, name);
    st.roles[name] = role;
    params.cluster = role;
    tell_replica(self, name, role);
  }
  auto channel = spawn_channel(self->system(), std::move(params));
  self->monitor(channel);
  if (st.stopping)
    self->send_exit(channel, *st.stopping);
  st.channels.emplace(name, channel);
  st.names.emplace(channel.address(), name);
  // Listed from its spawn, so a list never misses a channel: until it
  // reports (once restored) it shows as one with nothing in it yet.
  channel_info before_restore;
  before_restore.name = name;
  before_restore.kind = decl.kind;
  st.summaries[name] = std::move(before_restore);
  return channel;
}

caf::result<caf::actor> lookup(directory_actor* self, const std::string& name) {
  if (!valid_channel_name(name))
    return make_error(errc::invalid_channel,
                      "invalid channel name: names match [A-Za-z0-9_.:-]{1,128}");
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  auto decl = find_decl(st.cfg.decls, name);
  if (!decl)
    return make_error(errc::unknown_channel,
                      "no declared channel pattern matches " + name);
  if (st.clustered() && !st.view)
    return make_error(errc::unavailable,
                      "this node has not joined its cluster yet; retry");
  if (st.channels.size() >= st.cfg.max_channels)
    return make_error(errc::rate_limited,
                      "cannot create " + name + ": the node has "
                        + std::to_string(st.channels.size())
                        + " channels, its limit");
  return ensure_channel(self, name, *decl);
}

// A lookup for a read (history, state): an existing channel, never a new
// one. Reads are free to make, so if they created channels anyone could grow
// the node (an actor and a store entry each) by asking for junk names.
caf::result<caf::actor> find(directory_actor* self, const std::string& name) {
  if (!valid_channel_name(name))
    return make_error(errc::invalid_channel,
                      "invalid channel name: names match [A-Za-z0-9_.:-]{1,128}");
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  auto decl = find_decl(st.cfg.decls, name);
  if (!decl)
    return make_error(errc::unknown_channel,
                      "no declared channel pattern matches " + name);
  // In a cluster the channel may live on another node: its owner serves the
  // read (a short-lived reader here asks it), and nothing is created on
  // either node. An owner that does not have the channel answers
  // unknown_channel, as this node does when it is the owner.
  if (st.clustered() && st.view) {
    auto role = role_of(self, name);
    if (!role.owner) {
      if (!role.owner_node)
        return make_error(errc::unavailable,
                          "the owner of " + name
                            + " is not reachable from this node yet; retry");
      return cluster::spawn_remote_reader(
        self->system(), role.owner_node, name,
        caf::actor_cast<caf::actor>(self->current_sender()));
    }
  }
  return make_error(errc::unknown_channel,
                    "channel " + name + " has no updates yet");
}

// Every channel by name, as it last reported: complete (each channel has a
// summary from its start) and answered at once, whatever the channel count.
std::vector<channel_info> list(directory_actor* self) {
  auto& st = self->state;
  std::vector<channel_info> infos;
  infos.reserve(st.summaries.size());
  for (auto& [name, info] : st.summaries) {
    infos.push_back(info);
    if (auto it = st.roles.find(name); it != st.roles.end()) {
      infos.back().owner = it->second.owner_name;
      infos.back().replica = it->second.replica_name;
    }
  }
  return infos;
}

// A channel's summary, kept only from the actor that holds the name now (a
// retired channel's last word does not bring its name back).
void on_summary(directory_actor* self, channel_info& info) {
  auto& st = self->state;
  auto it = st.channels.find(info.name);
  if (it == st.channels.end()
      || it->second.address()
           != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return;
  st.summaries[info.name] = std::move(info);
}

// A channel made from a `*` pattern (not an exactly declared name).
bool from_pattern(const directory_state& st, const std::string& name) {
  auto decl = find_decl(st.cfg.decls, name);
  return decl && decl->pattern != name;
}

// Start-up is over once every channel started so far has answered: a
// channel answers only after restoring its state from the store.
void finish_loading(directory_actor* self) {
  auto& st = self->state;
  auto remaining = std::make_shared<size_t>(st.channels.size() + 1);
  auto done = [self, remaining] {
    if (--*remaining > 0)
      return;
    auto& st = self->state;
    st.loaded = true;
    for (auto& rp : std::exchange(st.load_waiters, {}))
      rp.deliver(ok_atom::value);
  };
  for (auto& [name, channel] : st.channels)
    self->request(channel, caf::infinite, info_atom::value)
      .then([done](const channel_info&) { done(); },
            [done](caf::error&) { done(); });
  done();
}

// Every idle_retire: channels from patterns that never had an update and
// had no subscriber at this check and the previous one are asked to retire;
// those that agree stopped, and the store forgets their names.
void sweep_idle(directory_actor* self) {
  auto& st = self->state;
  auto seen = std::exchange(st.idle, {});
  for (auto& [name, info] : st.summaries) {
    if (info.head != 0 || info.subscribers != 0 || !from_pattern(st, name))
      continue;
    if (!seen.count(name)) {
      st.idle.insert(name);
      continue;
    }
    // The channel decides: it may have changed since it last reported.
    auto channel = st.channels.at(name);
    self->request(channel, info_timeout, retire_atom::value)
      .then(
        [self, name = name, channel](bool retired) {
          if (!retired)
            return;
          auto& st = self->state;
          if (auto it = st.channels.find(name);
              it != st.channels.end() && it->second == channel) {
            st.channels.erase(it);
            st.summaries.erase(name);
          }
          if (st.cfg.store_writer)
            self->request(st.cfg.store_writer, caf::infinite,
                          retire_atom::value, name)
              .then([](ok_atom) {}, [](caf::error&) {});
        },
        [](caf::error&) {});
  }
  // With the sweep off (idle_retire 0) a tick sent by hand, as the
  // deterministic tests do, runs one check and arms nothing.
  if (st.cfg.idle_retire.count() > 0)
    self->delayed_send(self, st.cfg.idle_retire, tick_atom::value);
}

// A new view moves channels: each actor hears its new role. On the first
// view the declared and stored channels this node owns or replicates start.
void on_view(directory_actor* self, cluster::cluster_view view) {
  auto& st = self->state;
  bool first = !st.view;
  st.view = std::move(view);
  for (auto& [name, channel] : st.channels) {
    auto role = role_of(self, name);
    auto& last = st.roles[name];
    if (!cluster::role_changed(last, role))
      continue;
    bool new_replica = role.owner && role.replica_name != last.replica_name;
    last = role;
    self->send(channel, role_atom::value, role);
    if (new_replica)
      tell_replica(self, name, role);
  }
  if (!first)
    return;
  auto here = [&](const std::string& name) {
    auto role = role_of(self, name);
    return role.owner || role.replica;
  };
  for (auto& decl : st.cfg.decls)
    if ((decl.pattern.empty() || decl.pattern.back() != '*')
        && here(decl.pattern))
      ensure_channel(self, decl.pattern, decl);
  for (auto& meta : std::exchange(st.stored, {}))
    if (auto decl = find_decl(st.cfg.decls, meta.name); decl && here(meta.name))
      ensure_channel(self, meta.name, *decl);
  finish_loading(self);
}

caf::result<cluster::resolved> resolve(directory_actor* self,
                                       const cluster::resolve_request& req) {
  auto& st = self->state;
  if (req.version != cluster::protocol_version)
    return make_error(errc::bad_request, "unsupported cluster protocol version");
  if (!st.view)
    return make_error(errc::unavailable, "not joined yet");
  auto decl = find_decl(st.cfg.decls, req.channel);
  if (!valid_channel_name(req.channel) || !decl)
    return make_error(errc::unknown_channel,
                      "no declared channel pattern matches " + req.channel);
  auto role = role_of(self, req.channel);
  if (!role.owner && !req.any_role)
    return make_error(errc::unavailable,
                      req.channel + " is not owned by " + st.view->self);
  if (!req.any_role && st.channels.count(req.channel) == 0
      && st.channels.size() >= st.cfg.max_channels)
    return make_error(errc::rate_limited, "channel limit reached");
  return cluster::resolved{cluster::protocol_version, req.channel,
                           ensure_channel(self, req.channel, *decl)};
}

caf::behavior directory_behavior(directory_actor* self, directory_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    auto& channels = st.channels;
    if (auto named = st.names.find(dm.source); named != st.names.end()) {
      // A retired name may already belong to a new actor.
      if (auto it = channels.find(named->second);
          it != channels.end() && it->second.address() == dm.source) {
        st.roles.erase(it->first);
        st.summaries.erase(it->first);
        channels.erase(it);
      }
      st.names.erase(named);
    }
    if (self->state.stopping && channels.empty())
      self->quit(*self->state.stopping);
  });
  // Channels are not linked to the directory (one failing must not take the
  // others down), so stopping the directory stops them explicitly, and
  // waits for them: the node closes the store only after the directory, and
  // a stopping channel still sends its last document snapshot to the store.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.stopping)
      return;
    st.stopping = msg.reason;
    for (auto& [name, channel] : st.channels)
      self->send_exit(channel, msg.reason);
    if (st.channels.empty())
      self->quit(msg.reason);
  });
  auto& st = self->state;
  if (st.clustered()) {
    // Nothing is placed before the first view (on_view).
    self->send(st.cfg.membership, caf::subscribe_atom::value,
               caf::actor_cast<caf::actor>(self));
    if (st.cfg.node)
      self->send(st.cfg.node, caf::put_atom::value, std::string{"channels"},
                 caf::actor_cast<caf::actor>(self));
  } else {
    for (auto& decl : st.cfg.decls)
      if (decl.pattern.empty() || decl.pattern.back() != '*')
        ensure_channel(self, decl.pattern, decl);
  }
  if (st.cfg.store_writer) {
    // Channels with stored history are listed from the start, not only once
    // someone asks for them. Names from patterns that never had an update
    // are not: they would come back empty after every restart (and count
    // against --max-channels), so the store forgets them.
    self
      ->request(st.cfg.store_writer, caf::infinite, list_atom::value)
      .await(
        [self](const std::vector<storage::channel_meta>& metas) {
          auto& st = self->state;
          if (st.clustered()) {
            st.stored = metas;
            return;
          }
          for (auto& meta : metas) {
            auto decl = find_decl(st.cfg.decls, meta.name);
            if (!decl)
              continue;
            if (meta.head == 0 && decl->pattern != meta.name
                && st.cfg.idle_retire.count() > 0) {
              self->request(st.cfg.store_writer, caf::infinite,
                            retire_atom::value, meta.name)
                .then([](ok_atom) {}, [](caf::error&) {});
              continue;
            }
            ensure_channel(self, meta.name, *decl);
          }
          finish_loading(self);
        },
        [self](caf::error& err) { self->quit(err); });
  } else if (!st.clustered()) {
    finish_loading(self);
  }
  if (!st.clustered() && st.cfg.idle_retire.count() > 0)
    self->delayed_send(self, st.cfg.idle_retire, tick_atom::value);
  return {
    [self](get_atom, const std::string& name) { return lookup(self, name); },
    [self](get_atom, const std::string& name, read_atom) {
      return find(self, name);
    },
    [self](list_atom) { return list(self); },
    [self](summary_atom, channel_info& info) { on_summary(self, info); },
    [self](loaded_atom) -> caf::result<ok_atom> {
      auto& st = self->state;
      if (st.loaded)
        return ok_atom::value;
      auto rp = self->make_response_promise();
      st.load_waiters.push_back(rp);
      return rp;
    },
    [self](tick_atom) { sweep_idle(self); },
    [self](cluster::cluster_view& view) { on_view(self, std::move(view)); },
    [self](const cluster::resolve_request& req) { return resolve(self, req); },
    [self](const cluster::read_request& req) {
      auto& channels = self->state.channels;
      auto it = channels.find(req.channel);
      return cluster::serve_read(self, it != channels.end() ? it->second
                                                            : caf::actor{},
                                 req);
    },
    [self](const cluster::ensure_request& req) -> caf::result<ok_atom> {
      auto& st = self->state;
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      if (!st.view)
        return make_error(errc::unavailable, "not joined yet");
      auto decl = find_decl(st.cfg.decls, req.channel);
      if (!valid_channel_name(req.channel) || !decl)
        return make_error(errc::unknown_channel,
                          "no declared channel pattern matches " + req.channel);
      if (role_of(self, req.channel).replica)
        ensure_channel(self, req.channel, *decl);
      return ok_atom::value;
    },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg) {
  return sys.spawn(directory_behavior, std::move(cfg));
}

} // namespace tidewire
