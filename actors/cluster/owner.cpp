// The owner's side of a channel in a cluster: followers on other nodes
// (relays and the replica) follow its committed records, fetch what they
// miss, forward their nodes' publishes, and under sync replication the
// replica has every batch before anyone sees it.

#include <chrono>

#include "actors/cluster/channel_ops.hpp"
#include "actors/errors.hpp"
#include "actors/json_text.hpp"

namespace tidewire::cluster_detail {

namespace {

// How long an owner waits for its replica's answer before it asks again
// (the replica may have changed meanwhile).
constexpr auto replicate_timeout = std::chrono::seconds(2);
constexpr auto replicate_retry = std::chrono::milliseconds(100);
// How long a batch waits for a replica to follow when there is none, before
// its publishes are answered unavailable.
constexpr auto replica_wait = std::chrono::seconds(2);

// Fencing: a follower that has seen a newer generation follows a newer
// owner, so this one is stale and must not feed it.
caf::error check_generation(channel_actor* self, uint64_t seen) {
  auto& cl = self->state.cluster;
  if (seen > cl.generation)
    return make_error(errc::unavailable,
                      self->state.params.name + ": owner generation "
                        + std::to_string(cl.generation) + " is older than "
                        + std::to_string(seen));
  return {};
}

caf::error not_owner(channel_actor* self) {
  return make_error(errc::unavailable,
                    self->state.params.name
                      + " is not owned here (ownership is moving)");
}

cluster::batch make_batch(channel_actor* self, std::vector<record> records) {
  auto& st = self->state;
  return cluster::batch{cluster::protocol_version,
                        st.params.name,
                        st.meta.epoch,
                        st.cluster.generation,
                        st.meta.head,
                        st.first_available(),
                        std::move(records)};
}

} // namespace

caf::error refuse_publish(channel_actor* self) {
  auto& cl = self->state.cluster;
  if (!cl.role.owner || cl.claiming)
    return not_owner(self);
  if (!cl.role.quorum)
    return make_error(errc::unavailable,
                      "this node does not see a majority of the cluster;"
                      " publishes are refused until it does");
  return {};
}

namespace {

void end_replication(channel_actor* self, caf::error err) {
  auto& cl = self->state.cluster;
  if (!cl.replicating)
    return;
  if (!err) {
    auto waited = self->clock().now() - cl.replicating->started;
    cl.replicated += cl.replicating->records->size();
    ++cl.replica_waits;
    cl.replica_wait_us += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(waited).count());
  }
  auto done = std::move(cl.replicating->done);
  cl.replicating.reset();
  done(std::move(err));
}

// Sends the batch in flight to the replica, or waits (bounded) for one.
void send_replication(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!cl.replicating || cl.replicating->in_flight)
    return;
  auto& r = *cl.replicating;
  if (!cl.role.owner || cl.claiming) {
    end_replication(self, not_owner(self));
    return;
  }
  if (!cl.replica) {
    // Nobody to send to (the replica's node is down or its follower has not
    // followed yet). A replica that follows soon gets the batch; otherwise
    // the publishes are refused, never left waiting without end. A batch
    // already sent to a replica that was lost since may be stored there: it
    // checks its tail against the owner's when it follows again.
    auto now = self->clock().now();
    if (!r.deadline)
      r.deadline = now + replica_wait;
    if (now >= *r.deadline) {
      end_replication(
        self, make_error(errc::unavailable,
                         "no replica of " + st.params.name
                           + " has followed its owner in time (sync"
                             " replication); publish again"));
      return;
    }
    self->delayed_send(self, replicate_retry, retry_atom::value);
    return;
  }
  r.deadline.reset();
  auto token = ++r.token;
  r.in_flight = true;
  auto& records = *r.records;
  auto last = records.back().seq;
  cluster::batch b{cluster::protocol_version,
                   st.params.name,
                   st.meta.epoch,
                   cl.generation,
                   last,
                   st.first_available(),
                   records};
  auto answered = [self, token]() -> cluster_detail::replication* {
    auto& cl = self->state.cluster;
    if (!cl.replicating || cl.replicating->token != token)
      return nullptr; // a newer attempt (another replica) is under way
    cl.replicating->in_flight = false;
    return &*cl.replicating;
  };
  self
    ->request(cl.replica, replicate_timeout,
              cluster::replicate_request{std::move(b)})
    .then(
      [self, answered, last](const cluster::replicated& r) {
        if (!answered())
          return;
        if (r.stored_head >= last)
          end_replication(self, {});
        else
          self->delayed_send(self, replicate_retry, retry_atom::value);
      },
      [self, answered](caf::error&) {
        // The same replica is asked again while it stays the replica: it may
        // have stored the batch, so the owner must not give up on it.
        if (answered())
          self->delayed_send(self, replicate_retry, retry_atom::value);
      });
}

// The replica the owner waits for changed: the batch in flight goes there.
void replica_changed(channel_actor* self) {
  auto& cl = self->state.cluster;
  if (!cl.replicating)
    return;
  ++cl.replicating->token;
  cl.replicating->in_flight = false;
  send_replication(self);
}

} // namespace

void replicate(channel_actor* self,
               std::shared_ptr<const std::vector<record>> records,
               std::function<void(caf::error)> done) {
  auto& cl = self->state.cluster;
  if (!cl.enabled || !cl.role.sync || records->empty()) {
    done({});
    return;
  }
  if (!cl.role.owner || cl.claiming) {
    done(not_owner(self));
    return;
  }
  replication r;
  r.records = std::move(records);
  r.done = std::move(done);
  r.started = self->clock().now();
  cl.replicating = std::move(r);
  send_replication(self);
}

void replicate_again(channel_actor* self) {
  send_replication(self);
}

void abandon_replication(channel_actor* self) {
  end_replication(self, not_owner(self));
}

void pick_replica(channel_actor* self) {
  auto& cl = self->state.cluster;
  caf::actor found;
  if (cl.role.owner)
    for (auto& [addr, f] : cl.followers)
      if (f.replica && f.node == cl.role.replica_name)
        found = f.actor;
  if (found == cl.replica)
    return;
  cl.replica = found;
  replica_changed(self);
}

void after_commit(channel_actor* self, const std::vector<record>& records) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.followers.empty())
    return;
  auto b = make_batch(self, records);
  for (auto& [addr, f] : cl.followers)
    if (!(cl.role.sync && f.actor == cl.replica))
      self->send(f.actor, b);
  if (!cl.role.sync && cl.replica)
    cl.replicated += records.size(); // async: sent, not confirmed
}

channel_cluster_stats stats(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  channel_cluster_stats s;
  if (!cl.enabled)
    return s;
  s.role = cl.role.owner ? "owner" : cl.role.replica ? "replica" : "relay";
  s.generation = cl.generation;
  s.replicated = cl.replicated;
  s.replica_waits = cl.replica_waits;
  s.replica_wait_us = cl.replica_wait_us;
  if (!cl.role.owner && cl.upstream_head > st.meta.head)
    s.lag = cl.upstream_head - st.meta.head;
  s.ownership_changes = cl.ownership_changes;
  return s;
}

void peer_down(channel_actor* self, const caf::actor_addr& addr) {
  auto& cl = self->state.cluster;
  if (cl.followers.erase(addr) > 0)
    pick_replica(self);
  if (cl.upstream && cl.upstream.address() == addr)
    upstream_lost(self);
}

cluster::snapshot snapshot_of(channel_actor* self) {
  auto& st = self->state;
  return cluster::snapshot{cluster::protocol_version,
                           st.params.name,
                           st.params.decl.kind,
                           st.meta.epoch,
                           st.cluster.generation,
                           st.meta.head,
                           st.first_available(),
                           st.meta.last_ts,
                           st.is_state() ? json_text::dump(st.doc) : std::string{}};
}

caf::result<cluster::snapshot> follow(channel_actor* self,
                                      const cluster::follow_request& req) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!cl.role.owner || cl.claiming)
    return not_owner(self);
  auto follower = caf::actor_cast<caf::actor>(self->current_sender());
  if (auto err = check_generation(self, req.generation)) {
    // We are a stale owner (restarted while another node owned the channel
    // and placed first again before anyone handed it back): take the newer
    // history from the follower that has seen it. It asks again later.
    if (follower)
      claim_from_newer(self, follower);
    return err;
  }
  if (!follower)
    return make_error(errc::bad_request, "follow from an anonymous sender");
  auto [it, fresh] = cl.followers.try_emplace(follower.address());
  if (fresh)
    self->monitor(follower);
  it->second = follower_link{follower, req.node, req.replica};
  pick_replica(self);
  return snapshot_of(self);
}

void unfollow(channel_actor* self) {
  auto& cl = self->state.cluster;
  auto addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (cl.followers.erase(addr) > 0) {
    self->demonitor(addr);
    pick_replica(self);
  }
}

// Committed records from the ring or the store, for a follower's gap or a
// catch-up its ring does not cover.
caf::result<cluster::batch> fetch(channel_actor* self,
                                  const cluster::fetch_request& req) {
  auto& st = self->state;
  auto from = std::max(req.from, st.first_available());
  auto to = std::min(req.to, st.meta.head);
  auto limit = std::min<uint64_t>(req.limit, st.params.limits.read_chunk);
  if (from > to || limit == 0)
    return make_batch(self, {});
  if (st.ring->covers(from) || !st.persistent())
    return make_batch(self, st.ring->records_from(from, limit));
  auto rp = self->make_response_promise<cluster::batch>();
  self
    ->request(st.params.store_reader, caf::infinite, read_atom::value,
              st.meta.id, from, to, limit, channel_detail::no_byte_limit)
    .then(
      [self, rp](std::vector<record>& records) mutable {
        rp.deliver(make_batch(self, std::move(records)));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<cluster::publish_result>
forwarded_publish(channel_actor* self, const cluster::publish_request& req) {
  // Through the actor's own publish handler, so a forwarded publish queues
  // and commits exactly like a local one.
  auto rp = self->make_response_promise<cluster::publish_result>();
  self
    ->request(caf::actor_cast<caf::actor>(self), caf::infinite,
              publish_atom::value, req.data_json, req.key)
    .then(
      [rp](const publish_ack& ack) mutable {
        rp.deliver(cluster::publish_result{cluster::protocol_version,
                                           ack.channel, ack.seq, ack.epoch});
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace tidewire::cluster_detail
