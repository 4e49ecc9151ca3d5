#define CAF_SUITE actors.cluster
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

// Three nodes in one deterministic actor system: each has its own store,
// directory and a stand-in for its `node` actor; the test plays membership
// by sending each directory its cluster_view. Everything a real cluster
// sends across nodes goes through the same messages here.

#include <map>
#include <set>

#include "actors/cluster/placement.hpp"
#include "actors/directory.hpp"
#include "actors/errors.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

using services = std::map<std::string, caf::actor>;

// The registry half of a node actor: (put, name, actor), (get, name).
caf::behavior fake_node(caf::event_based_actor*, std::shared_ptr<services> reg) {
  return {
    [reg](caf::put_atom, const std::string& name, const caf::actor& a) {
      (*reg)[name] = a;
    },
    [reg](get_atom, const std::string& name) -> caf::result<caf::actor> {
      if (auto it = reg->find(name); it != reg->end())
        return it->second;
      return make_error(errc::unavailable, "no service " + name);
    },
  };
}

caf::behavior fake_membership(caf::event_based_actor*) {
  return {[](caf::subscribe_atom, const caf::actor&) {}};
}

struct node {
  std::string name;
  std::filesystem::path path;
  std::shared_ptr<storage::replay_store> store;
  store_actors stores;
  caf::actor node_actor;
  caf::actor membership;
  caf::actor directory;
};

const std::vector<std::string> names{"n1", "n2", "n3"};

struct cluster_fixture : actor_fixture {
  std::map<std::string, node> nodes;
  std::set<std::string> up{"n1", "n2", "n3"};

  cluster_fixture() {
    for (auto& n : names)
      start(n);
    for (auto& n : names)
      send_view(n);
  }

  // All nodes stop at once: one by one, the survivors would keep looking
  // for the owners that went first.
  ~cluster_fixture() {
    for (auto& [name, nd] : nodes)
      anon_send_exit(nd.directory, caf::exit_reason::user_shutdown);
    run();
    for (auto& [name, nd] : nodes)
      for (auto& a : {nd.node_actor, nd.membership, nd.stores.writer,
                      nd.stores.reader})
        anon_send_exit(a, caf::exit_reason::kill);
    run();
  }

  void start(const std::string& name) {
    auto& nd = nodes[name];
    nd.name = name;
    nd.path = dir.path / name;
    std::unique_ptr<storage::replay_store> opened;
    auto st = storage::replay_store::open(
      storage::open_options{nd.path.string(), storage::durability::wal, false,
                            {}},
      &opened);
    CAF_REQUIRE(st.ok());
    nd.store = std::move(opened);
    nd.stores = spawn_store_actors(sys, nd.store, false);
    nd.node_actor = sys.spawn(fake_node, std::make_shared<services>());
    nd.membership = sys.spawn(fake_membership);
    directory_config cfg;
    // The deterministic scheduler fires every pending timeout in run(), so
    // the periodic idle-channel sweep would never let it finish.
    cfg.idle_retire = std::chrono::seconds(0);
    cfg.decls = {{"c.*", "stream"}, {"s.*", "state"}};
    cfg.limits = test_limits();
    cfg.store_writer = nd.stores.writer;
    cfg.store_reader = nd.stores.reader;
    cfg.membership = nd.membership;
    cfg.node = nd.node_actor;
    nd.directory = spawn_directory(sys, cfg);
    run();
  }

  // The node dies: every actor of it is gone, as after kill -9 (the
  // directory takes its channels with it). With `tell`, membership tells
  // the survivors at once; otherwise their followers keep retrying the dead
  // owner (every 200 ms in a node; without end under this scheduler).
  void kill(const std::string& name, bool tell = true) {
    auto& nd = nodes[name];
    anon_send_exit(nd.directory, caf::exit_reason::user_shutdown);
    for (auto& a : {nd.node_actor, nd.membership, nd.stores.writer,
                    nd.stores.reader})
      anon_send_exit(a, caf::exit_reason::kill);
    if (tell) {
      up.erase(name);
      for (auto& n : names)
        if (n != name && nodes.count(n))
          self->send(nodes.at(n).directory, view_of(n, true));
    }
    run();
    nd.store.reset();
    nodes.erase(name);
  }

  cluster::cluster_view view_of(const std::string& self_name, bool quorum) {
    cluster::cluster_view v;
    v.self = self_name;
    v.version = ++view_version;
    v.quorum = quorum;
    for (auto& n : names) {
      cluster::member m{n, up.count(n) > 0, {}};
      if (m.up && n != self_name)
        m.node = nodes.at(n).node_actor;
      v.members.push_back(m);
    }
    return v;
  }

  void send_view(const std::string& name, bool quorum = true) {
    self->send(nodes.at(name).directory, view_of(name, quorum));
    run();
  }

  uint64_t view_version = 0;

  // A channel name whose owner and replica are the given nodes.
  std::string channel_placed(const std::string& prefix, const std::string& owner,
                             const std::string& replica) {
    for (int i = 0; i < 1000; ++i) {
      auto name = prefix + std::to_string(i);
      auto p = cluster::place(name, names);
      if (p.owner == owner && p.replica == replica)
        return name;
    }
    CAF_FAIL("no channel name placed on " << owner << "/" << replica);
    return {};
  }

  caf::actor get(const std::string& node_name, const std::string& channel) {
    self->send(nodes.at(node_name).directory, get_atom::value, channel);
    run();
    caf::actor result;
    self->receive([&](caf::actor& ch) { result = ch; },
                  [&](caf::error& err) {
                    CAF_FAIL("get failed: " << caf::to_string(err));
                  },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no reply"); });
    return result;
  }

  caf::expected<publish_ack> try_publish(const std::string& node_name,
                                         const std::string& channel,
                                         const json& data) {
    auto ch = get(node_name, channel);
    self->send(ch, publish_atom::value, data.dump());
    run();
    caf::expected<publish_ack> result = make_error(errc::internal, "no reply");
    self->receive([&](publish_ack& ack) { result = ack; },
                  [&](caf::error& err) { result = err; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  caf::expected<publish_ack> try_publish_key(const std::string& node_name,
                                             const std::string& channel,
                                             const json& data,
                                             const std::string& key) {
    auto ch = get(node_name, channel);
    self->send(ch, publish_atom::value, data.dump(), key);
    run();
    caf::expected<publish_ack> result = make_error(errc::internal, "no reply");
    self->receive([&](publish_ack& ack) { result = ack; },
                  [&](caf::error& err) { result = err; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  publish_ack publish_via(const std::string& node_name,
                          const std::string& channel, const json& data) {
    auto ack = try_publish(node_name, channel, data);
    CAF_REQUIRE(ack);
    return *ack;
  }

  std::shared_ptr<inbox> subscribe_via(const std::string& node_name,
                                       const std::string& channel,
                                       std::optional<uint64_t> since = {}) {
    auto [session, box] = make_subscriber();
    sessions.push_back(session);
    subscribe(get(node_name, channel), session, 1, since);
    return box;
  }

  std::vector<caf::actor> sessions;

  channel_info info(const std::string& node_name, const std::string& channel) {
    return ask<channel_info>(get(node_name, channel), info_atom::value);
  }

  std::vector<json> data_of(const inbox& box) {
    std::vector<json> out;
    for (auto& m : box.of_type("update"))
      out.push_back(m.at("data"));
    return out;
  }

  storage::channel_meta stored_meta(const std::string& node_name,
                                    const std::string& channel) {
    storage::channel_meta meta;
    auto st = nodes.at(node_name).store->load_meta(channel, &meta);
    CAF_REQUIRE(st.ok());
    return meta;
  }

  std::vector<storage::record> stored_records(const std::string& node_name,
                                              const std::string& channel) {
    auto meta = stored_meta(node_name, channel);
    std::vector<storage::record> out;
    auto st = nodes.at(node_name).store->read(meta.id, 1, meta.head, 100000,
                                              &out);
    CAF_REQUIRE(st.ok());
    return out;
  }

  // Like run(), but a state that keeps scheduling timers (a retry loop that
  // never ends) fails the test instead of hanging it.
  void run() {
    size_t count = 0;
    run_until([&] { return ++count >= 100000; });
    if (count >= 100000)
      CAF_FAIL("the actors never went idle");
  }

  // Runs at most `n` events: for states that retry on a timer forever
  // (an owner waiting for a replica that does not answer).
  void run_bounded(size_t n) {
    size_t count = 0;
    run_until([&] { return ++count >= n; });
  }
};

std::vector<uint64_t> iota(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_tests, cluster_fixture)

CAF_TEST(publishes through every node are sequenced by the owner and reach subscribers on every node) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on1 = subscribe_via("n1", ch);
  auto on2 = subscribe_via("n2", ch);
  auto on3 = subscribe_via("n3", ch);
  auto a = publish_via("n3", ch, json{{"i", 1}}); // through a relay
  auto b = publish_via("n2", ch, json{{"i", 2}}); // through the replica
  auto c = publish_via("n1", ch, json{{"i", 3}}); // at the owner
  CAF_CHECK_EQUAL(a.seq, 1u);
  CAF_CHECK_EQUAL(b.seq, 2u);
  CAF_CHECK_EQUAL(c.seq, 3u);
  CAF_CHECK_EQUAL(a.epoch, c.epoch);
  for (auto box : {on1, on2, on3}) {
    CAF_CHECK_EQUAL(box->update_seqs(), iota(1, 3));
    CAF_CHECK_EQUAL(data_of(*box),
                    (std::vector<json>{{{"i", 1}}, {{"i", 2}}, {{"i", 3}}}));
    CAF_CHECK_EQUAL(box->field("subscribed", "epoch"), a.epoch);
  }
  for (auto& n : names) {
    auto i = info(n, ch);
    CAF_CHECK_EQUAL(i.head, 3u);
    CAF_CHECK_EQUAL(i.epoch, a.epoch);
  }
}

CAF_TEST(the replica stores every update with the seqs and epoch of the owner) {
  auto ch = channel_placed("c.", "n2", "n3");
  for (int i = 1; i <= 5; ++i)
    publish_via("n1", ch, json{{"i", i}});
  auto owner = stored_meta("n2", ch);
  auto replica = stored_meta("n3", ch);
  CAF_CHECK_EQUAL(replica.epoch, owner.epoch);
  CAF_CHECK_EQUAL(replica.head, 5u);
  auto a = stored_records("n2", ch);
  auto b = stored_records("n3", ch);
  CAF_REQUIRE_EQUAL(b.size(), 5u);
  for (size_t i = 0; i < a.size(); ++i) {
    CAF_CHECK_EQUAL(a[i].seq, b[i].seq);
    CAF_CHECK_EQUAL(a[i].ts, b[i].ts);
    CAF_CHECK_EQUAL(a[i].data, b[i].data);
  }
  // A relay keeps nothing on disk.
  storage::channel_meta none;
  CAF_CHECK(nodes.at("n1").store->load_meta(ch, &none).IsNotFound());
}

CAF_TEST(a late subscriber on a relay resumes from any seq and reads history) {
  auto ch = channel_placed("c.", "n1", "n2");
  for (int i = 1; i <= 6; ++i)
    publish_via("n1", ch, json{{"i", i}});
  // n3 has never served this channel: its relay starts now, empty.
  auto box = subscribe_via("n3", ch, uint64_t{2});
  CAF_CHECK_EQUAL(box->field("subscribed", "recovered"), true);
  CAF_CHECK_EQUAL(box->update_seqs(), iota(3, 6));
  publish_via("n2", ch, json{{"i", 7}});
  CAF_CHECK_EQUAL(box->update_seqs(), iota(3, 7));
  auto page = ask<history_page>(get("n3", ch), history_atom::value, uint64_t{0},
                                uint64_t{100});
  CAF_REQUIRE_EQUAL(page.updates.size(), 7u);
  CAF_CHECK_EQUAL(page.updates.front().data, json({{"i", 1}}).dump());
}

CAF_TEST(state channels keep one document on every node) {
  auto ch = channel_placed("s.", "n3", "n1");
  publish_via("n1", ch, json{{"a", 1}});
  auto late = subscribe_via("n2", ch);
  publish_via("n2", ch, json{{"b", 2}});
  publish_via("n3", ch, json{{"a", nullptr}});
  CAF_CHECK_EQUAL(late->field("snapshot", "data"), json({{"a", 1}}));
  for (auto& n : names) {
    auto doc = ask<state_doc>(get(n, ch), state_atom::value);
    CAF_CHECK_EQUAL(json::parse(doc.data_json), json({{"b", 2}}));
    CAF_CHECK_EQUAL(doc.seq, 3u);
  }
}

CAF_TEST(the channel list names the owner and the replica) {
  auto ch = channel_placed("c.", "n3", "n2");
  publish_via("n1", ch, json{{"i", 1}});
  auto infos = ask<std::vector<channel_info>>(nodes.at("n1").directory,
                                              list_atom::value);
  bool found = false;
  for (auto& i : infos)
    if (i.name == ch) {
      found = true;
      CAF_CHECK_EQUAL(i.owner, "n3");
      CAF_CHECK_EQUAL(i.replica, "n2");
      CAF_CHECK_EQUAL(i.head, 1u);
    }
  CAF_CHECK(found);
}

CAF_TEST(under sync replication nothing is acknowledged or delivered before the replica has it) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on1 = subscribe_via("n1", ch);
  publish_via("n1", ch, json{{"i", 1}});
  // The replica's node stops answering: its channel follower is gone.
  auto replica_follower = get("n2", ch);
  anon_send_exit(replica_follower, caf::exit_reason::kill);
  run();
  auto owner = get("n1", ch);
  self->send(owner, publish_atom::value, json{{"i", 2}}.dump());
  // Within the bounded wait for a replica nothing is answered...
  run_bounded(5); // the first retries, well under the wait
  bool answered = false;
  self->receive([&](publish_ack&) { answered = true; },
                [&](caf::error&) { answered = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(!answered);
  // ...and past it the publish is refused, never acknowledged: the owner
  // does not wait for a replica without end.
  run();
  caf::error refused;
  self->receive([&](publish_ack&) { CAF_FAIL("acknowledged without replica"); },
                [&](caf::error& err) { refused = err; },
                caf::after(std::chrono::seconds(0)) >>
                  [] { CAF_FAIL("the publish was never answered"); });
  CAF_CHECK_EQUAL(error_code(refused), "unavailable");
  CAF_CHECK_EQUAL(on1->update_seqs(), iota(1, 1));
  CAF_CHECK_EQUAL(info("n1", ch).head, 1u);
  // A replica follows again (the directory starts it on demand).
  self->send(nodes.at("n2").directory,
             cluster::ensure_request{cluster::protocol_version, ch});
  run();
  auto ack = publish_via("n1", ch, json{{"i", 3}});
  CAF_CHECK_EQUAL(ack.seq, 2u);
  CAF_CHECK_EQUAL(on1->update_seqs(), iota(1, 2));
  CAF_CHECK_EQUAL(stored_meta("n2", ch).head, 2u);
  auto stored = stored_records("n2", ch);
  CAF_REQUIRE_EQUAL(stored.size(), 2u);
  CAF_CHECK_EQUAL(stored[1].data, json({{"i", 3}}).dump());
}

CAF_TEST(without quorum publishes are refused and subscriptions are still served) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on3 = subscribe_via("n3", ch);
  send_view("n3", false);
  auto refused = try_publish("n3", ch, json{{"i", 1}});
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(error_code(refused.error()), "unavailable");
  publish_via("n1", ch, json{{"i", 2}});
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 1));
  send_view("n3", true);
  CAF_CHECK_EQUAL(publish_via("n3", ch, json{{"i", 3}}).seq, 2u);
  // The owner itself refuses too when it loses quorum.
  send_view("n1", false);
  auto at_owner = try_publish("n1", ch, json{{"i", 4}});
  CAF_REQUIRE(!at_owner);
  CAF_CHECK_EQUAL(error_code(at_owner.error()), "unavailable");
}

CAF_TEST(owner lost: the replica owns the channel from its own history with the next seq) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on2 = subscribe_via("n2", ch);
  auto on3 = subscribe_via("n3", ch);
  std::string epoch;
  for (int i = 1; i <= 3; ++i)
    epoch = publish_via("n3", ch, json{{"i", i}}).epoch;
  kill("n1");
  auto ack = publish_via("n3", ch, json{{"i", 4}});
  CAF_CHECK_EQUAL(ack.seq, 4u);
  CAF_CHECK_EQUAL(ack.epoch, epoch);
  publish_via("n2", ch, json{{"i", 5}});
  CAF_CHECK_EQUAL(on2->update_seqs(), iota(1, 5));
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 5));
  // n3 is the replica now and has the whole history.
  CAF_CHECK_EQUAL(stored_meta("n3", ch).head, 5u);
  CAF_CHECK_EQUAL(stored_meta("n3", ch).epoch, epoch);
  CAF_CHECK_EQUAL(stored_records("n3", ch).size(), 5u);
  auto infos = ask<std::vector<channel_info>>(nodes.at("n3").directory,
                                              list_atom::value);
  for (auto& i : infos)
    if (i.name == ch) {
      CAF_CHECK_EQUAL(i.owner, "n2");
      CAF_CHECK_EQUAL(i.replica, "n3");
    }
}

CAF_TEST(a stale owner is fenced and a rejoining owner takes the newest history back) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto on3 = subscribe_via("n3", ch);
  for (int i = 1; i <= 3; ++i)
    publish_via("n1", ch, json{{"i", i}});
  // n2 and n3 lose n1; n1 still believes it owns the channel.
  up.erase("n1");
  send_view("n2");
  send_view("n3");
  self->send(get("n1", ch), publish_atom::value, json{{"stale", 4}}.dump());
  run_bounded(300);
  bool answered = false;
  self->receive([&](publish_ack&) { answered = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(!answered); // never acknowledged: the new owner refuses it
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 3)); // and nobody saw it
  // The stale publish sits in n1's store as seq 4: a tail nobody else has.
  CAF_CHECK_EQUAL(stored_meta("n1", ch).head, 4u);
  kill("n1");
  CAF_CHECK_EQUAL(publish_via("n3", ch, json{{"i", 4}}).seq, 4u);
  CAF_CHECK_EQUAL(publish_via("n2", ch, json{{"i", 5}}).seq, 5u);
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 5));
  // n1 restarts with its store and rejoins: it catches up from n2, which
  // held the channel meanwhile, before it owns it again.
  start("n1");
  up.insert("n1");
  for (auto& n : names) // membership sees n1 everywhere at about once
    self->send(nodes.at(n).directory, view_of(n, true));
  run();
  auto page = ask<history_page>(get("n1", ch), history_atom::value,
                                uint64_t{0}, uint64_t{100});
  CAF_REQUIRE_EQUAL(page.updates.size(), 5u);
  CAF_CHECK_EQUAL(page.updates[3].data, json({{"i", 4}}).dump());
  CAF_CHECK_EQUAL(page.head, 5u);
  auto ack = publish_via("n3", ch, json{{"i", 6}});
  CAF_CHECK_EQUAL(ack.seq, 6u);
  CAF_CHECK_EQUAL(on3->update_seqs(), iota(1, 6));
  auto recs = stored_records("n1", ch);
  CAF_REQUIRE_EQUAL(recs.size(), 6u);
  CAF_CHECK_EQUAL(recs[3].data, json({{"i", 4}}).dump());
  CAF_CHECK_EQUAL(stored_meta("n2", ch).head, 6u); // n2 replicates again
  auto infos = ask<std::vector<channel_info>>(nodes.at("n1").directory,
                                              list_atom::value);
  for (auto& i : infos)
    if (i.name == ch)
      CAF_CHECK_EQUAL(i.owner, "n1");
}

CAF_TEST(the owner waits for the replica its view names and not the last follower that believed it was one) {
  auto ch = channel_placed("c.", "n1", "n2");
  get("n1", ch); // the owner starts and makes n2 follow as its replica
  // For a moment n3 does not see n2: it believes it is the replica and
  // follows as one, after n2 did.
  up.erase("n2");
  send_view("n3");
  get("n3", ch);
  // Then n3 sees n2 again and follows as a relay.
  up.insert("n2");
  send_view("n3");
  // The owner still has n2 as its replica: the publish is acknowledged
  // (before, n3's retraction left the owner without a replica, waiting).
  auto ack = publish_via("n3", ch, json{{"i", 1}});
  CAF_CHECK_EQUAL(ack.seq, 1u);
  CAF_CHECK_EQUAL(stored_meta("n2", ch).head, 1u);
}

CAF_TEST(a publish forwarded to an owner that moves is answered unavailable at once) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto relay = get("n3", ch);
  publish_via("n3", ch, json{{"i", 1}});
  // The owner cannot answer soon: its replica is gone, so it waits.
  anon_send_exit(get("n2", ch), caf::exit_reason::kill);
  run_bounded(20);
  self->send(relay, publish_atom::value, json{{"i", 2}}.dump());
  run_bounded(5); // forwarded; the owner holds it for its replica
  // n3's membership sees n1 go: the relay's owner changes, and the
  // forwarded publish is answered now, not after the forward's timeout.
  up.erase("n1");
  self->send(nodes.at("n3").directory, view_of("n3", true));
  run_bounded(3);
  caf::error err;
  self->receive([&](publish_ack&) { CAF_FAIL("acknowledged"); },
                [&](caf::error& e) { err = e; },
                caf::after(std::chrono::seconds(0)) >>
                  [] { CAF_FAIL("the forwarded publish was not answered"); });
  CAF_CHECK_EQUAL(error_code(err), "unavailable");
  CAF_CHECK(error_message(err).find("while the publish was forwarded")
            != std::string::npos);
}

CAF_TEST(a retried publish with its idempotency key gets the first seq from a new owner) {
  auto ch = channel_placed("c.", "n1", "n2");
  auto first = try_publish_key("n3", ch, json{{"i", 1}}, "k-1");
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->seq, 1u);
  // The key went with the forward: a repeat at the owner is the same seq.
  auto again = try_publish_key("n1", ch, json{{"i", 1}}, "k-1");
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->seq, 1u);
  // The replica stored the key with the record...
  auto recs = stored_records("n2", ch);
  CAF_REQUIRE_EQUAL(recs.size(), 1u);
  CAF_CHECK_EQUAL(recs[0].key, "k-1");
  // ...so after a failover the new owner answers the retry with seq 1.
  kill("n1");
  auto retried = try_publish_key("n3", ch, json{{"i", 1}}, "k-1");
  CAF_REQUIRE(retried);
  CAF_CHECK_EQUAL(retried->seq, 1u);
  CAF_CHECK_EQUAL(retried->epoch, first->epoch);
  CAF_CHECK_EQUAL(info("n2", ch).head, 1u);
  CAF_CHECK_EQUAL(publish_via("n3", ch, json{{"i", 2}}).seq, 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
