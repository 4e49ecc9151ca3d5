#include "actors/cluster/membership_state.hpp"

#include <algorithm>

namespace tidewire::cluster {

std::string address::to_string() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

membership_state::membership_state(cluster_settings settings)
  : settings_(std::move(settings)),
    self_address_(settings_.self.to_string()),
    slots_(settings_.seeds.size()) {
}

bool membership_state::dials(size_t i) const {
  return self_address_ < settings_.seeds[i].to_string();
}

std::optional<size_t> membership_state::slot_of(const std::string& addr) const {
  for (size_t i = 0; i < settings_.seeds.size(); ++i)
    if (settings_.seeds[i].to_string() == addr)
      return i;
  return std::nullopt;
}

std::optional<size_t>
membership_state::slot_of(const caf::actor_addr& node) const {
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].up && slots_[i].node && slots_[i].node.address() == node)
      return i;
  return std::nullopt;
}

std::optional<std::string> membership_state::refusal(const hello& peer,
                                                     size_t i) const {
  if (peer.version != protocol_version)
    return "it speaks cluster protocol " + std::to_string(peer.version)
           + ", this node speaks " + std::to_string(protocol_version);
  if (peer.address != settings_.seeds[i].to_string())
    return "it gives its cluster port as " + peer.address
           + ", not as this node's --seeds do ("
           + settings_.seeds[i].to_string()
           + "): members must list each other's --cluster-host:--cluster-port"
             " exactly";
  if (peer.members != settings_.configured())
    return "it has " + std::to_string(peer.members)
           + " configured members, this node has "
           + std::to_string(settings_.configured())
           + " (itself and its --seeds): every member must list the same "
             "cluster";
  if (peer.name == settings_.node_name)
    return "it is called " + peer.name
           + ", which is this node's own name: node names must be unique";
  for (size_t j = 0; j < slots_.size(); ++j)
    if (j != i && slots_[j].up && slots_[j].name == peer.name)
      return "it is called " + peer.name + ", which the member at "
             + settings_.seeds[j].to_string()
             + " already is: node names must be unique";
  return std::nullopt;
}

void membership_state::up(size_t i, const hello& peer) {
  // A name belongs to one member: a slot that is down and last had this
  // name (the node moved to another address) shows its address again.
  for (auto& other : slots_)
    if (!other.up && other.name == peer.name)
      other.name.reset();
  auto& s = slots_[i];
  s.name = peer.name;
  s.up = true;
  s.node = peer.node;
  ++version_;
}

void membership_state::down(size_t i) {
  auto& s = slots_[i];
  if (!s.up)
    return;
  s.up = false;
  s.node = caf::actor{};
  ++version_;
}

std::string membership_state::name_of(size_t i) const {
  return slots_[i].name ? *slots_[i].name : settings_.seeds[i].to_string();
}

uint32_t membership_state::up_count() const {
  auto peers = std::count_if(slots_.begin(), slots_.end(),
                             [](const slot& s) { return s.up; });
  return static_cast<uint32_t>(peers) + 1;
}

bool membership_state::quorum() const {
  return up_count() > settings_.configured() / 2;
}

cluster_view membership_state::view() const {
  cluster_view v;
  v.self = settings_.node_name;
  v.version = version_;
  v.quorum = quorum();
  v.members.push_back(member{settings_.node_name, true, caf::actor{}});
  for (size_t i = 0; i < slots_.size(); ++i)
    v.members.push_back(member{name_of(i), slots_[i].up, slots_[i].node});
  std::sort(v.members.begin(), v.members.end(),
            [](const member& x, const member& y) { return x.name < y.name; });
  return v;
}

} // namespace tidewire::cluster
