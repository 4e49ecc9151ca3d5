#pragma once

#include <chrono>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/cluster/settings.hpp"

// Membership of one node: links to every seed through CAF's (openssl)
// middleman, exchanges hellos, watches the links and tells local listeners
// what is up and whether the node sees a majority. Of two members the one
// with the smaller address dials (see membership_state.hpp).
//
//   membership ──connect──▶ middleman ──TLS+BASP──▶ seed's `node` actor
//        │  ──hello──▶ seed's node ──delegate──▶ seed's membership
//        │  ◀──hello (its answer) or a refusal──────────┘
//        │  monitor(seed's node): a `down` means the link is gone → redial
//        └──cluster_view──▶ local listeners (HTTP API, the data path)
namespace tidewire::cluster {

using hello_atom = caf::atom_constant<caf::atom("hello")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using bye_atom = caf::atom_constant<caf::atom("bye")>;

struct membership_timing {
  // Connect, TLS and BASP handshakes with a seed; a frozen seed accepts the
  // TCP connection in its kernel and then never answers, so this bounds it.
  std::chrono::milliseconds dial_timeout{3000};
  std::chrono::milliseconds hello_timeout{3000};
  // Between failed dials of one seed: doubling from min to max, +-20 %.
  std::chrono::milliseconds retry_min{250};
  std::chrono::milliseconds retry_max{2000};
};

// Spawns the membership actor.
//
// `connector` answers (caf::connect_atom, std::string host, uint16_t port)
// with (caf::node_id, caf::strong_actor_ptr, std::set<std::string>) as CAF's
// middleman actor does (in a node: the caf::openssl one). `node` is this
// node's published node actor, sent in hellos. Without seeds (a single
// node) both may be invalid: the node is then the whole cluster.
//
//   (caf::subscribe_atom, caf::actor listener)       local senders only
//       listener gets the current cluster_view now and on every change;
//       dropped when it terminates.
//   (caf::get_atom) -> cluster_view                   local senders only
//   (hello_atom, uint32_t version, std::string name, uint32_t members,
//    std::string address, caf::actor node)
//       -> (hello_atom, uint32_t, std::string, uint32_t, std::string)
//       a seed dialled in; it counts from then on. Refused with
//       errc::forbidden and a message naming the reason (not a configured
//       address, duplicate name, other protocol, other member count).
//   (bye_atom, std::string address, std::string reason)
//       the seed at `address` refused this node's answer: it is down.
caf::actor spawn_membership(caf::actor_system& sys, cluster_settings settings,
                            caf::actor connector, caf::actor node,
                            membership_timing timing = {});

} // namespace tidewire::cluster
