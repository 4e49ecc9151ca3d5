// The directory in cluster mode: where each channel lives under the current
// view, and the "channels" service peers ask (see directory_state.hpp).

#include <utility>

#include "actors/cluster/roles.hpp"
#include "actors/directory_state.hpp"
#include "actors/errors.hpp"

namespace tidewire::directory_detail {

namespace {

constexpr auto peer_timeout = std::chrono::seconds(5);

// What a peer's request about `channel` is checked for before it is served.
caf::expected<const channel_decl*> peer_decl(const directory_state& st,
                                             uint32_t version,
                                             const std::string& channel) {
  if (version != cluster::protocol_version)
    return make_error(errc::bad_request, "unsupported cluster protocol version");
  if (!st.view)
    return make_error(errc::unavailable, "not joined yet");
  return declared(st, channel);
}

} // namespace

channel_role role_of(directory_actor* self, const std::string& name) {
  auto& st = self->state;
  return cluster::role_for(*st.view, name, st.cfg.sync_replication,
                           caf::actor_cast<caf::actor>(self));
}

// The replica's node may never have heard of the channel: names from
// patterns are made on first use.
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
  auto decl = peer_decl(st, req.version, req.channel);
  if (!decl)
    return std::move(decl.error());
  auto role = role_of(self, req.channel);
  if (!role.owner && !req.any_role)
    return make_error(errc::unavailable,
                      req.channel + " is not owned by " + st.view->self);
  if (!req.any_role && st.channels.count(req.channel) == 0
      && st.channels.size() >= st.cfg.max_channels)
    return make_error(errc::rate_limited, "channel limit reached");
  return cluster::resolved{cluster::protocol_version, req.channel,
                           ensure_channel(self, req.channel, **decl)};
}

caf::result<ok_atom> ensure(directory_actor* self,
                            const cluster::ensure_request& req) {
  auto decl = peer_decl(self->state, req.version, req.channel);
  if (!decl)
    return std::move(decl.error());
  if (role_of(self, req.channel).replica)
    ensure_channel(self, req.channel, **decl);
  return ok_atom::value;
}

} // namespace tidewire::directory_detail
