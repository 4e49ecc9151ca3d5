#include "actors/cluster/roles.hpp"

#include "actors/cluster/placement.hpp"

namespace tidewire::cluster {

namespace {

const member* find_member(const cluster_view& view, const std::string& name) {
  for (auto& m : view.members)
    if (m.name == name)
      return &m;
  return nullptr;
}

} // namespace

channel_role role_for(const cluster_view& view, const std::string& channel,
                      bool sync, const caf::actor& self_service) {
  std::vector<std::string> live;
  for (auto& m : view.members)
    if (m.up || m.name == view.self)
      live.push_back(m.name);
  if (find_member(view, view.self) == nullptr)
    live.push_back(view.self);
  auto p = place(channel, live);
  channel_role role;
  role.owner = p.owner == view.self;
  role.replica = p.replica == view.self;
  role.sync = sync;
  role.quorum = view.quorum;
  role.owner_name = p.owner;
  role.replica_name = p.replica;
  role.self_name = view.self;
  auto reach = [&](const std::string& name, caf::actor& node,
                   caf::actor& service) {
    if (name.empty())
      return;
    if (name == view.self) {
      service = self_service;
      return;
    }
    if (auto m = find_member(view, name))
      node = m->node;
  };
  if (!role.owner)
    reach(p.owner, role.owner_node, role.owner_service);
  else
    reach(p.replica, role.replica_node, role.replica_service);
  return role;
}

bool role_changed(const channel_role& before, const channel_role& after) {
  return before.owner != after.owner || before.replica != after.replica
         || before.sync != after.sync || before.quorum != after.quorum
         || before.owner_name != after.owner_name
         || before.replica_name != after.replica_name
         || before.owner_node != after.owner_node
         || before.replica_node != after.replica_node;
}

} // namespace tidewire::cluster
