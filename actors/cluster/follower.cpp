// A follower of a channel owned by another node: a relay (memory only) or
// the replica (persists every record in this node's store). It serves local
// sessions with the same subscriber protocol as the owner, from a ring and
// meta kept in step with the owner's committed records, and forwards
// publishes to the owner. Role changes (promotion to owner, demotion, a new
// owner after a failover) arrive from the directory as (role_atom, role);
// this file handles them and routes the cluster messages.

#include <algorithm>

#include "actors/cluster/follower_ops.hpp"
#include "actors/errors.hpp"
#include "actors/json_text.hpp"

namespace tidewire::cluster_detail {

using channel_detail::no_byte_limit;

namespace {

caf::error no_upstream(channel_actor* self) {
  return make_error(errc::unavailable,
                    "the owner of " + self->state.params.name
                      + " is not reachable from this node yet; retry");
}

void promote(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  ++cl.ownership_changes;
  ++cl.attempt;
  if (cl.upstream) {
    self->demonitor(cl.upstream);
    cl.upstream = nullptr;
  }
  cl.early.clear();
  cl.fetching = false;
  // Whatever was forwarded to the predecessor is answered now: it is lost
  // or fenced, and the publisher retries here.
  fail_forwards(self, "the owner of " + st.params.name
                        + " changed while the publish was forwarded");
  // Fencing: every owner after this one's predecessor carries a higher
  // generation, so the predecessor's late messages are refused.
  ++cl.generation;
  cl.synced = true;
  serve_stash(self);
  st.params.store_reader = cl.local_reader;
  for (auto& w : std::exchange(cl.ack_waiters, {}))
    w.second.deliver(make_error(errc::unavailable, "no longer a replica"));
  open_store(self);
  persist_more(self); // flushes publishes once the store has the head
}

void set_role(channel_actor* self, channel_role role) {
  auto& st = self->state;
  auto& cl = st.cluster;
  cl.claimant = nullptr; // the directory knows the owner now
  auto old = std::exchange(cl.role, std::move(role));
  auto& now = cl.role;
  if (old.owner && now.owner) {
    pick_replica(self); // the replica may have moved
    return;
  }
  if (!old.owner && now.owner) {
    promote(self);
    return;
  }
  if (old.owner && !now.owner) {
    demote(self);
    return;
  }
  if (old.owner_name != now.owner_name || old.owner_node != now.owner_node
      || old.owner_service != now.owner_service
      || old.replica != now.replica || !cl.upstream)
    begin_follow(self);
}

caf::result<std::vector<record>> read(channel_actor* self, uint64_t from,
                                      uint64_t to, uint64_t limit,
                                      uint64_t max_bytes) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (st.persistent() && cl.opened && to <= cl.stored_head
      && from >= st.meta.first) {
    auto rp = self->make_response_promise<std::vector<record>>();
    self
      ->request(cl.local_reader, caf::infinite, read_atom::value, st.meta.id,
                from, to, limit, max_bytes)
      .then([rp](std::vector<record>& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    return rp;
  }
  if (!cl.upstream)
    return no_upstream(self);
  auto rp = self->make_response_promise<std::vector<record>>();
  self
    ->request(cl.upstream, peer_timeout,
              cluster::fetch_request{cluster::protocol_version, st.params.name,
                                     from, to, limit})
    .then(
      [rp, max_bytes](cluster::batch& b) mutable {
        uint64_t bytes = 0;
        size_t n = 0;
        for (; n < b.records.size(); ++n) {
          bytes += b.records[n].data.size();
          if (n > 0 && bytes > max_bytes)
            break;
        }
        b.records.resize(n);
        rp.deliver(std::move(b.records));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace

void demote(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  ++cl.ownership_changes;
  cl.claiming = false;
  for (auto& p : std::exchange(st.pending, {}))
    p.rp.deliver(make_error(errc::unavailable,
                            "the owner of " + st.params.name
                              + " moved to another node; publish again"));
  for (auto& [addr, follower] : cl.followers)
    self->demonitor(addr);
  cl.followers.clear();
  cl.replica = nullptr;
  abandon_replication(self);
  cl.stored_head = st.meta.head; // an owner's store is at its head
  cl.opened = st.persistent();
  begin_follow(self);
}

void upstream_lost(channel_actor* self) {
  auto& cl = self->state.cluster;
  cl.upstream = nullptr;
  fail_forwards(self, "the owner of " + self->state.params.name
                        + " was lost while the publish was forwarded");
  if (cl.claiming) {
    finish_claim(self); // the holder is gone: own what we have
    return;
  }
  ++cl.attempt;
  // The directory hears about the lost node from membership and sends a new
  // role; until then keep trying where the role points.
  schedule_follow(self);
}

void start(channel_actor* self) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (cl.role.owner) {
    cl.generation = std::max<uint64_t>(cl.generation, 1);
    cl.opened = st.persistent();
    cl.stored_head = st.meta.head;
    if (cl.role.replica_node || cl.role.replica_service)
      begin_claim(self);
    else
      cl.synced = true;
    return;
  }
  cl.opened = st.persistent();
  cl.stored_head = st.meta.head;
  begin_follow(self);
}

caf::result<publish_ack> forward_publish(channel_actor* self,
                                         std::string data_json,
                                         std::string key) {
  auto& st = self->state;
  auto& cl = st.cluster;
  if (!cl.role.quorum)
    return make_error(errc::unavailable,
                      "this node does not see a majority of the cluster;"
                      " publishes are refused until it does");
  if (!cl.upstream)
    return no_upstream(self);
  auto id = ++cl.next_forward;
  auto rp = self->make_response_promise();
  cl.forwards.emplace(id, forward{rp});
  // The answer goes to the publisher unless fail_forwards answered first.
  auto answer = [self, id](auto&& result) {
    auto& forwards = self->state.cluster.forwards;
    if (auto it = forwards.find(id); it != forwards.end()) {
      it->second.rp.deliver(std::forward<decltype(result)>(result));
      forwards.erase(it);
    }
  };
  self
    ->request(cl.upstream, peer_timeout,
              cluster::publish_request{cluster::protocol_version,
                                       st.params.name, std::move(data_json),
                                       std::move(key)})
    .then(
      [answer](const cluster::publish_result& r) {
        answer(publish_ack{r.channel, r.seq, r.epoch});
      },
      [answer](caf::error& err) { answer(std::move(err)); });
  return rp;
}

void fail_forwards(channel_actor* self, const std::string& why) {
  // The owner may have stored such a publish before it was lost: a retry
  // with the same idempotency key gets the first seq back.
  for (auto& [id, f] : std::exchange(self->state.cluster.forwards, {}))
    f.rp.deliver(make_error(errc::unavailable, why + "; publish again"));
}

bool stash_subscribe(channel_actor* self, const caf::actor& session,
                     uint64_t sub_id, const subscribe_request& req) {
  auto& cl = self->state.cluster;
  if (!cl.enabled || cl.synced)
    return false;
  cl.stash.push_back({session, sub_id, req});
  return true;
}

caf::message_handler handlers(channel_actor* self) {
  return {
    [self](role_atom, channel_role& role) { set_role(self, std::move(role)); },
    [self](const cluster::follow_request& req)
      -> caf::result<cluster::snapshot> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      return follow(self, req);
    },
    [self](const cluster::unfollow_request&) { unfollow(self); },
    [self](const cluster::fetch_request& req) -> caf::result<cluster::batch> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      return fetch(self, req); // a follower serves what it has too
    },
    [self](const cluster::publish_request& req)
      -> caf::result<cluster::publish_result> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      if (auto err = refuse_publish(self))
        return err;
      return forwarded_publish(self, req);
    },
    [self](const cluster::claim_request& req)
      -> caf::result<cluster::snapshot> {
      if (req.version != cluster::protocol_version)
        return make_error(errc::bad_request,
                          "unsupported cluster protocol version");
      return on_claim(self);
    },
    [self](cluster::batch& b) { on_batch(self, b); },
    [self](cluster::replicate_request& req) {
      return on_replicate(self, req);
    },
    [self](read_atom, uint32_t, uint64_t from, uint64_t to, uint64_t limit,
           uint64_t max_bytes) {
      return read(self, from, to, limit, max_bytes);
    },
    [self](retry_atom) { replicate_again(self); },
    [self](retry_atom, uint64_t attempt) {
      if (attempt == self->state.cluster.attempt
          && self->state.follower())
        begin_follow(self);
    },
    [self](persist_atom) { persist_more(self); },
  };
}

} // namespace tidewire::cluster_detail
