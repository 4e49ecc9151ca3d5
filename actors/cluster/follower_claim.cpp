// Taking ownership back: an owner that starts (or learns that another node
// owned the channel at a newer generation) first takes the newest history
// from the node that held the channel meanwhile; it refuses publishes and
// holds subscribes back until its copy has it. The holder's side of that
// exchange (on_claim) is here too: it stops owning and says where its
// history ends.

#include <algorithm>
#include <functional>

#include "actors/cluster/follower_ops.hpp"
#include "actors/errors.hpp"

namespace tidewire::cluster_detail {

namespace {

// The actor that can hand us the channel's newest history: while taking
// ownership back, the node that held it meanwhile (the replica); else the
// owner.
void resolve_then(channel_actor* self, const caf::actor& service,
                  const caf::actor& node, bool any_role,
                  std::function<void(const caf::actor&)> found,
                  std::function<void()> failed) {
  auto& st = self->state;
  auto ask = [self, any_role, found, failed](const caf::actor& service) {
    self
      ->request(service, peer_timeout,
                cluster::resolve_request{cluster::protocol_version,
                                         self->state.params.name, any_role})
      .then(
        [found, failed](const cluster::resolved& r) {
          if (r.owner)
            found(r.owner);
          else
            failed();
        },
        [failed](caf::error&) { failed(); });
  };
  if (service) {
    ask(service);
  } else if (node) {
    self
      ->request(node, peer_timeout, get_atom::value, std::string{"channels"})
      .then([ask](const caf::actor& service) { ask(service); },
            [failed](caf::error&) { failed(); });
  } else {
    failed();
  }
  (void) st;
}

// Taking ownership from the node that held the channel while we were away
// (at spawn: the replica; later: a follower that saw a newer generation):
// its history wins over ours where they differ.
void claim_from(channel_actor* self, uint64_t attempt,
                const caf::actor& holder) {
  auto& st = self->state;
  auto give_up = [self, attempt] {
    if (attempt == self->state.cluster.attempt && self->state.cluster.claiming)
      finish_claim(self);
  };
  self
    ->request(holder, peer_timeout,
              cluster::claim_request{cluster::protocol_version,
                                     st.params.name, st.cluster.generation})
    .then(
      [self, attempt, holder, give_up](const cluster::snapshot& s) {
        auto& st = self->state;
        auto& cl = st.cluster;
        if (attempt != cl.attempt || !cl.claiming)
          return;
        if (s.head == 0 && s.epoch != st.meta.epoch) {
          give_up(); // the holder has no history of this channel
          return;
        }
        cl.claim_head = s.head;
        cl.claim_generation = s.generation;
        on_snapshot(self, attempt, holder, s);
      },
      [give_up](caf::error&) { give_up(); });
}

void start_claim(channel_actor* self) {
  auto& cl = self->state.cluster;
  cl.claiming = true;
  cl.synced = false;
  ++cl.attempt;
  // A batch waiting for its replica belongs to the history being replaced.
  abandon_replication(self);
}

} // namespace

void finish_claim(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  cl.claiming = false;
  // Taken back from a node that owned the channel meanwhile (not the first
  // start of an owner, whose replica never owned it).
  if (cl.claim_generation > cl.generation)
    ++cl.ownership_changes;
  cl.generation = std::max(cl.generation, cl.claim_generation) + 1;
  if (cl.upstream)
    self->demonitor(cl.upstream);
  cl.upstream = nullptr;
  ++cl.attempt;
  cl.early.clear();
  cl.fetching = false;
  cl.synced = true;
  serve_stash(self);
  persist_more(self);
}

void check_claim(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!cl.claiming || st.meta.head < cl.claim_head)
    return;
  if (st.persistent() && (!cl.opened || cl.stored_head < cl.claim_head))
    return;
  finish_claim(self);
}

void begin_claim(channel_actor* self) {
  auto& cl = self->state.cluster;
  start_claim(self);
  auto attempt = cl.attempt;
  auto give_up = [self, attempt] {
    // Nobody to claim from (the replica is gone or has nothing): own what
    // we have.
    if (attempt == self->state.cluster.attempt && self->state.cluster.claiming)
      finish_claim(self);
  };
  resolve_then(
    self, cl.role.replica_service, cl.role.replica_node, true,
    [self, attempt](const caf::actor& holder) {
      claim_from(self, attempt, holder);
    },
    give_up);
}

// Another node takes this channel over: stop owning it now (the directory's
// view may not show that node yet) and say where our history ends.
caf::result<cluster::snapshot> on_claim(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.role.owner && !cl.claiming) {
    // Follow the claimant until the directory's view catches up.
    cl.role.owner = false;
    cl.role.owner_name.clear();
    cl.role.owner_node = nullptr;
    cl.role.owner_service = nullptr;
    cl.claimant = caf::actor_cast<caf::actor>(self->current_sender());
    demote(self);
  }
  return snapshot_of(self);
}

void claim_from_newer(channel_actor* self, const caf::actor& holder) {
  auto& cl = self->state.cluster;
  if (!cl.role.owner || cl.claiming)
    return;
  start_claim(self);
  claim_from(self, cl.attempt, holder);
}

} // namespace tidewire::cluster_detail
