#pragma once

// Shared fixture of the cluster suites. Include after caf/test/dsl.hpp.

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

namespace tidewire::test {

using services = std::map<std::string, caf::actor>;

// The registry half of a node actor: (put, name, actor), (get, name).
inline caf::behavior fake_node(caf::event_based_actor*, std::shared_ptr<services> reg) {
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

inline caf::behavior fake_membership(caf::event_based_actor*) {
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

inline const std::vector<std::string> names{"n1", "n2", "n3"};

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
    storage::open_options options;
    options.path = nd.path.string();
    options.mode = storage::durability::wal;
    auto st = storage::replay_store::open(options, &opened);
    CAF_REQUIRE(st.ok());
    nd.store = std::move(opened);
    nd.stores = spawn_store_actors(sys, nd.store, false);
    nd.node_actor = sys.spawn(fake_node, std::make_shared<services>());
    nd.membership = sys.spawn(fake_membership);
    directory_config cfg;
    // The deterministic scheduler fires every pending timeout in run(), so
    // the periodic idle-channel sweep would never let it finish.
    cfg.idle_retire = std::chrono::seconds(0);
    // r.* and q.* keep 20 updates: retention on owner and replica alike.
    cfg.decls = {{"c.*", "stream"},
                 {"s.*", "state"},
                 {"r.*", "stream", 20},
                 {"q.*", "state", 20}};
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

  // A read as the HTTP API makes it: the directory's read lookup (which
  // never creates a channel), then `xs...` to what it names.
  template <class T, class... Ts>
  caf::expected<T> read_via(const std::string& node_name,
                            const std::string& channel, Ts... xs) {
    self->send(nodes.at(node_name).directory, get_atom::value, channel,
               read_atom::value);
    run();
    caf::actor target;
    caf::error err;
    self->receive([&](caf::actor& a) { target = a; },
                  [&](caf::error& e) { err = e; },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no reply to the lookup"); });
    if (!target)
      return err;
    self->send(target, xs...);
    run();
    caf::expected<T> result = make_error(errc::internal, "no reply");
    self->receive([&](T& x) { result = std::move(x); },
                  [&](caf::error& e) { result = e; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  bool listed(const std::string& node_name, const std::string& channel) {
    auto infos = ask<std::vector<channel_info>>(nodes.at(node_name).directory,
                                                list_atom::value);
    for (auto& i : infos)
      if (i.name == channel)
        return true;
    return false;
  }

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

inline std::vector<uint64_t> iota(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

} // namespace tidewire::test
