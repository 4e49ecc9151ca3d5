#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include "actors/cluster/cluster_view.hpp"
#include "actors/cluster/settings.hpp"

namespace tidewire::cluster {

// What a node tells a peer when it dials it, and what the peer answers.
struct hello {
  uint32_t version = protocol_version;
  std::string name;
  uint32_t members = 0; // the sender's configured members, itself included
  std::string address;  // the sender's own cluster port, "host:port"
  caf::actor node;      // the sender's published `node` actor
};

// The membership bookkeeping of one node, free of messaging so that the
// rules (who dials whom, who counts, who is refused, what the majority is)
// can be tested alone. Owned by the membership actor.
//
// Each configured seed is a member slot. Of two members, only the one with
// the smaller address ("host:port", compared as text) dials the other:
// CAF 0.17 mixes up its routes when two nodes connect to each other at the
// same moment, so there is one connection per pair. A slot is up once both
// hellos are accepted, and down when that connection is lost.
class membership_state {
public:
  membership_state() = default;
  explicit membership_state(cluster_settings settings);

  const cluster_settings& settings() const {
    return settings_;
  }

  size_t seed_count() const {
    return slots_.size();
  }

  const address& seed(size_t i) const {
    return settings_.seeds[i];
  }

  // This node dials seed `i` (else seed `i` dials this node).
  bool dials(size_t i) const;

  bool is_up(size_t i) const {
    return slots_[i].up;
  }

  // Seed `i` is up behind this very node actor (a repeated hello).
  bool is_up_with(size_t i, const caf::actor& node) const {
    return slots_[i].up && slots_[i].node == node;
  }

  // The slot of the seed whose address is `addr` (as the seed gives it).
  std::optional<size_t> slot_of(const std::string& addr) const;

  // The slot whose up member's node actor is `node`.
  std::optional<size_t> slot_of(const caf::actor_addr& node) const;

  // Why the hello `peer` for seed `i` must be refused, or nothing.
  std::optional<std::string> refusal(const hello& peer, size_t i) const;

  // Marks seed `i` up behind `peer` (which refusal() accepted). A member
  // that restarted may come back before its old link is seen gone: the new
  // link replaces the old one.
  void up(size_t i, const hello& peer);

  // Marks seed `i` down.
  void down(size_t i);

  // The name seed `i` last gave, or its address if it never answered.
  std::string name_of(size_t i) const;

  // Up members, this node included.
  uint32_t up_count() const;

  // A strict majority of the configured members is up: up > configured / 2.
  bool quorum() const;

  // Increases with every up() and down().
  uint64_t version() const {
    return version_;
  }

  cluster_view view() const;

private:
  struct slot {
    std::optional<std::string> name; // learned from the seed's hello
    bool up = false;
    caf::actor node;
  };

  cluster_settings settings_;
  std::string self_address_;
  std::vector<slot> slots_;
  uint64_t version_ = 1;
};

} // namespace tidewire::cluster
