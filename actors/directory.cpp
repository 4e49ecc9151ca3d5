#include "actors/directory.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include <caf/actor_system.hpp>

#include "actors/channel.hpp"
#include "actors/cluster/remote_read.hpp"
#include "actors/directory_state.hpp"
#include "actors/errors.hpp"

namespace tidewire {

namespace directory_detail {

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

caf::expected<const channel_decl*> declared(const directory_state& st,
                                            const std::string& name) {
  if (!valid_channel_name(name))
    return make_error(errc::invalid_channel,
                      "invalid channel name: names match [A-Za-z0-9_.:-]{1,128}");
  if (auto decl = find_decl(st.cfg.decls, name))
    return decl;
  return make_error(errc::unknown_channel,
                    "no declared channel pattern matches " + name);
}

namespace {

caf::result<caf::actor> lookup(directory_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  auto decl = declared(st, name);
  if (!decl)
    return std::move(decl.error());
  if (st.clustered() && !st.view)
    return make_error(errc::unavailable,
                      "this node has not joined its cluster yet; retry");
  if (st.channels.size() >= st.cfg.max_channels)
    return make_error(errc::rate_limited,
                      "cannot create " + name + ": the node has "
                        + std::to_string(st.channels.size())
                        + " channels, its limit");
  return ensure_channel(self, name, **decl);
}

// A lookup for a read (history, state): an existing channel, never a new
// one. Reads are free to make, so if they created channels anyone could grow
// the node (an actor and a store entry each) by asking for junk names.
caf::result<caf::actor> find(directory_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  auto decl = declared(st, name);
  if (!decl)
    return std::move(decl.error());
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

// The channels named after `after` ("": from the first), by name, at most
// `count`, as each last reported: complete (each channel has a summary from
// its start) and answered at once, whatever the channel count. A page costs
// its own size: the summaries are kept in name order.
std::vector<channel_info> list(directory_actor* self, const std::string& after,
                               uint64_t count) {
  auto& st = self->state;
  std::vector<channel_info> infos;
  infos.reserve(std::min<uint64_t>(count, st.summaries.size()));
  for (auto i = st.summaries.upper_bound(after);
       i != st.summaries.end() && infos.size() < count; ++i) {
    auto& [name, info] = *i;
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
            if (!retire_stored(self, meta, *decl))
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
    [self](list_atom) { return list(self, {}, UINT64_MAX); },
    [self](list_atom, const std::string& after, uint64_t count) {
      return list(self, after, count);
    },
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
    [self](const cluster::ensure_request& req) { return ensure(self, req); },
  };
}

} // namespace

} // namespace directory_detail

caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg) {
  return sys.spawn(directory_detail::directory_behavior, std::move(cfg));
}

} // namespace tidewire
