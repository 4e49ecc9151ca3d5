#define CAF_SUITE actors.membership
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>
#include <memory>
#include <set>

#include "actors/atoms.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/membership_state.hpp"
#include "actors/cluster/node_actor.hpp"
#include "actors/errors.hpp"

using namespace tidewire;
using namespace tidewire::cluster;

namespace {

address addr(uint16_t port) {
  return address{"127.0.0.1", port};
}

cluster_settings settings(std::string name, uint16_t port,
                          std::vector<uint16_t> seeds) {
  cluster_settings s;
  s.node_name = std::move(name);
  s.self = addr(port);
  for (auto p : seeds)
    s.seeds.push_back(addr(p));
  return s;
}

hello peer_hello(std::string name, uint16_t port, uint32_t members = 3,
                 caf::actor node = {}) {
  return hello{protocol_version, std::move(name), members,
               addr(port).to_string(), std::move(node)};
}

} // namespace

// -- the rules, without actors ------------------------------------------------

CAF_TEST(quorum is a strict majority of the configured members) {
  struct row {
    size_t seeds;
    uint32_t up_peers;
    bool quorum;
  };
  for (auto r : {row{0, 0, true}, row{1, 0, false}, row{1, 1, true},
                 row{2, 0, false}, row{2, 1, true}, row{3, 1, false},
                 row{3, 2, true}, row{4, 1, false}, row{4, 2, true}}) {
    std::vector<uint16_t> seeds;
    for (size_t i = 0; i < r.seeds; ++i)
      seeds.push_back(static_cast<uint16_t>(7102 + i));
    membership_state m{settings("a", 7101, seeds)};
    for (uint32_t i = 0; i < r.up_peers; ++i)
      m.up(i, peer_hello("p" + std::to_string(i), seeds[i],
                         static_cast<uint32_t>(r.seeds + 1)));
    CAF_CHECK_EQUAL(m.up_count(), r.up_peers + 1);
    CAF_CHECK_EQUAL(m.quorum(), r.quorum);
  }
}

CAF_TEST(of two members only the smaller address dials) {
  membership_state b{settings("b", 7102, {7101, 7103})};
  CAF_CHECK(!b.dials(0)); // 7101 dials b
  CAF_CHECK(b.dials(1));  // b dials 7103
  membership_state a{settings("a", 7101, {7102})};
  membership_state c{settings("c", 7102, {7101})};
  CAF_CHECK_NOT_EQUAL(a.dials(0), c.dials(0));
}

CAF_TEST(hellos are refused for protocol count address and name) {
  membership_state m{settings("a", 7101, {7102, 7103})};
  CAF_CHECK(!m.refusal(peer_hello("b", 7102), 0));
  auto old = peer_hello("b", 7102);
  old.version = protocol_version + 1;
  CAF_CHECK(m.refusal(old, 0)->find("protocol") != std::string::npos);
  auto bigger = m.refusal(peer_hello("b", 7102, 4), 0);
  CAF_REQUIRE(bigger);
  CAF_CHECK(bigger->find("4 configured members") != std::string::npos);
  auto moved = m.refusal(peer_hello("b", 7109), 0);
  CAF_REQUIRE(moved);
  CAF_CHECK(moved->find("127.0.0.1:7109") != std::string::npos);
  auto self_name = m.refusal(peer_hello("a", 7102), 0);
  CAF_REQUIRE(self_name);
  CAF_CHECK(self_name->find("this node's own name") != std::string::npos);
  m.up(0, peer_hello("b", 7102));
  auto dup = m.refusal(peer_hello("b", 7103), 1);
  CAF_REQUIRE(dup);
  CAF_CHECK(dup->find("which the member at 127.0.0.1:7102 already is")
            != std::string::npos);
  // The same slot answering again (a restart) is not a duplicate.
  CAF_CHECK(!m.refusal(peer_hello("b", 7102), 0));
  m.down(0);
  CAF_CHECK(!m.refusal(peer_hello("b", 7103), 1));
}

CAF_TEST(views list every configured member sorted with addresses until named) {
  membership_state m{settings("m", 7101, {7102, 7103})};
  auto v0 = m.view();
  CAF_CHECK_EQUAL(v0.self, "m");
  CAF_CHECK(!v0.quorum);
  CAF_REQUIRE_EQUAL(v0.members.size(), 3u);
  CAF_CHECK_EQUAL(v0.members[0].name, "127.0.0.1:7102");
  CAF_CHECK_EQUAL(v0.members[2].name, "m");
  CAF_CHECK(v0.members[2].up);
  m.up(1, peer_hello("c", 7103));
  auto v1 = m.view();
  CAF_CHECK_GREATER(v1.version, v0.version);
  CAF_CHECK(v1.quorum);
  CAF_CHECK_EQUAL(v1.members[1].name, "c");
  CAF_CHECK(v1.members[1].up);
  m.down(1);
  auto v2 = m.view();
  CAF_CHECK_GREATER(v2.version, v1.version);
  CAF_CHECK(!v2.quorum);
  CAF_CHECK_EQUAL(v2.members[1].name, "c"); // the name stays known
  CAF_CHECK(!v2.members[1].up);
  m.down(1); // already down: no change
  CAF_CHECK_EQUAL(m.version(), v2.version);
}

// -- the actors, driven deterministically --------------------------------------

namespace {

// A peer's node actor: answers hellos as the member `name` at `port`, or
// refuses them.
caf::behavior fake_peer(caf::event_based_actor*, std::string name,
                        uint16_t port, bool refuse) {
  return {
    [=](hello_atom, uint32_t, const std::string&, uint32_t,
        const std::string&, const caf::actor&) -> caf::result<caf::message> {
      if (refuse)
        return make_error(errc::forbidden, "node " + name + " refused it");
      return caf::make_message(hello_atom::value, protocol_version, name,
                               uint32_t{3}, addr(port).to_string());
    },
  };
}

// Stands in for CAF's middleman: "connects" to the fake peer registered for
// a port, counting the attempts.
struct fake_network {
  std::map<uint16_t, caf::actor> peers;
  std::map<uint16_t, int> dials;
};

caf::behavior fake_connector(caf::event_based_actor*,
                             std::shared_ptr<fake_network> net) {
  return {
    [net](caf::connect_atom, const std::string&,
          uint16_t port) -> caf::result<caf::message> {
      ++net->dials[port];
      auto it = net->peers.find(port);
      if (it == net->peers.end())
        return caf::make_error(caf::sec::cannot_connect_to_node);
      return caf::make_message(
        it->second.node(), caf::actor_cast<caf::strong_actor_ptr>(it->second),
        std::set<std::string>{});
    },
  };
}

// Keeps every view it is sent.
caf::behavior view_recorder(caf::event_based_actor*,
                            std::shared_ptr<std::vector<cluster_view>> views) {
  return {
    [views](const cluster_view& v) { views->push_back(v); },
  };
}

struct membership_fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_network> net = std::make_shared<fake_network>();
  std::shared_ptr<std::vector<cluster_view>> views =
    std::make_shared<std::vector<cluster_view>>();
  caf::actor connector = sys.spawn(fake_connector, net);
  caf::actor recorder = sys.spawn(view_recorder, views);

  // Runs messages only: retries are timeouts, fired one at a time by
  // sched.trigger_timeout() where a test wants them.
  void settle() {
    sched.run();
  }

  std::vector<caf::actor> started;

  // The base fixture runs until nothing is left to do, timeouts included:
  // a membership actor left alive would retry its dials forever.
  ~membership_fixture() {
    for (auto& m : started)
      anon_send_exit(m, caf::exit_reason::user_shutdown);
    settle();
  }

  caf::actor start(cluster_settings s, caf::actor node = {}) {
    auto m = spawn_membership(sys, std::move(s), connector, node);
    started.push_back(m);
    settle();
    self->send(m, caf::subscribe_atom::value, recorder);
    settle();
    return m;
  }

  caf::actor peer(std::string name, uint16_t port, bool refuse = false) {
    auto p = sys.spawn(fake_peer, std::move(name), port, refuse);
    net->peers[port] = p;
    return p;
  }

  const cluster_view& last() {
    CAF_REQUIRE(!views->empty());
    return views->back();
  }

  static std::string state_of(const cluster_view& v, const std::string& name) {
    for (auto& m : v.members)
      if (m.name == name)
        return m.up ? "up" : "down";
    return "absent";
  }

  // Sends a hello as the member `name` at `port` and returns the answer.
  caf::expected<std::string> hello_from(const caf::actor& m, std::string name,
                                        uint16_t port, caf::actor node) {
    self->send(m, hello_atom::value, protocol_version, name, uint32_t{3},
               addr(port).to_string(), node);
    settle();
    caf::expected<std::string> out = std::string{};
    self->receive(
      [&](hello_atom, uint32_t, std::string& answer, uint32_t, std::string&) {
        out = answer;
      },
      [&](caf::error& err) { out = err; },
      caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("no answer"); });
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(membership_actor_tests, membership_fixture)

CAF_TEST(a single node is the whole cluster) {
  start(settings("solo", 7101, {}));
  CAF_CHECK_EQUAL(last().self, "solo");
  CAF_CHECK(last().quorum);
  CAF_CHECK_EQUAL(last().members.size(), 1u);
}

CAF_TEST(dialled seeds come up and a lost link goes down and is redialled) {
  auto b = peer("b", 7102);
  auto c = peer("c", 7103);
  start(settings("a", 7101, {7102, 7103}));
  CAF_CHECK_EQUAL(net->dials[7102], 1);
  CAF_CHECK_EQUAL(net->dials[7103], 1);
  CAF_CHECK(last().quorum);
  CAF_CHECK_EQUAL(state_of(last(), "b"), "up");
  CAF_CHECK_EQUAL(state_of(last(), "c"), "up");
  for (auto& m : last().members)
    if (m.name == "b")
      CAF_CHECK_EQUAL(m.node, b);
  // b's node actor goes away (a remote `down`): b is down, a still has a
  // majority with c, and dials b again at once.
  net->peers.erase(7102);
  anon_send_exit(b, caf::exit_reason::kill);
  settle();
  CAF_CHECK_EQUAL(state_of(last(), "b"), "down");
  CAF_CHECK(last().quorum);
  CAF_CHECK_EQUAL(net->dials[7102], 2);
  anon_send_exit(c, caf::exit_reason::kill);
  settle();
  CAF_CHECK(!last().quorum);
  // b is back: the next retry finds it.
  peer("b", 7102);
  while (state_of(last(), "b") != "up" && net->dials[7102] < 10) {
    sched.trigger_timeout();
    settle();
  }
  CAF_CHECK_EQUAL(state_of(last(), "b"), "up");
  CAF_CHECK(last().quorum);
}

CAF_TEST(a seed that refuses this node does not count) {
  peer("b", 7102, true);
  start(settings("a", 7101, {7102, 7103}));
  CAF_CHECK_EQUAL(net->dials[7102], 1);
  CAF_CHECK_EQUAL(state_of(last(), "127.0.0.1:7102"), "down");
  CAF_CHECK(!last().quorum);
}

CAF_TEST(seeds with smaller addresses are not dialled but let in) {
  auto m = start(settings("c", 7103, {7101, 7102}));
  CAF_CHECK_EQUAL(net->dials.size(), 0u);
  auto a_node = sys.spawn(fake_peer, "a", 7101, false);
  auto answer = hello_from(m, "a", 7101, a_node);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(*answer, "c");
  CAF_CHECK_EQUAL(state_of(last(), "a"), "up");
  CAF_CHECK(last().quorum);
  // The same hello again (its first answer was late): no new view.
  auto seen = views->size();
  CAF_CHECK(hello_from(m, "a", 7101, a_node));
  CAF_CHECK_EQUAL(views->size(), seen);
  // Not configured here: refused.
  auto stranger = hello_from(m, "x", 7999, sys.spawn(fake_peer, "x", 7999, false));
  CAF_REQUIRE(!stranger);
  CAF_CHECK_EQUAL(error_code(stranger.error()), "forbidden");
  CAF_CHECK(error_message(stranger.error()).find("not in this node's --seeds")
            != std::string::npos);
  // b's port answered by a process calling itself a: a duplicate.
  auto dup = hello_from(m, "a", 7102, sys.spawn(fake_peer, "a", 7102, false));
  CAF_REQUIRE(!dup);
  CAF_CHECK(error_message(dup.error()).find("node names must be unique")
            != std::string::npos);
  CAF_CHECK_EQUAL(state_of(last(), "127.0.0.1:7102"), "down");
  // a says goodbye (it refused this node's answer): a is down.
  self->send(m, bye_atom::value, addr(7101).to_string(),
             std::string{"node a refused c: test"});
  settle();
  CAF_CHECK_EQUAL(state_of(last(), "a"), "down");
  CAF_CHECK(!last().quorum);
}

CAF_TEST(the node actor forwards hellos and keeps local services) {
  auto node = spawn_node_actor(sys, "c");
  auto m = start(settings("c", 7103, {7101, 7102}), node);
  auto a_node = sys.spawn(fake_peer, "a", 7101, false);
  auto answer = hello_from(node, "a", 7101, a_node);
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(*answer, "c");
  CAF_CHECK_EQUAL(state_of(last(), "a"), "up");
  auto service = sys.spawn(view_recorder, views);
  self->send(node, caf::put_atom::value, std::string{"channels"}, service);
  self->send(node, caf::get_atom::value, std::string{"channels"});
  settle();
  self->receive([&](const caf::actor& found) { CAF_CHECK_EQUAL(found, service); },
                caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("no service"); });
  self->send(node, caf::get_atom::value, std::string{"nothing"});
  settle();
  self->receive([](const caf::actor&) { CAF_FAIL("found a service"); },
                [](const caf::error& err) {
                  CAF_CHECK_EQUAL(error_code(err), "unavailable");
                },
                caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("no answer"); });
  // Stopping membership stops the node actor with it (they are linked).
  self->monitor(node);
  anon_send_exit(m, caf::exit_reason::user_shutdown);
  settle();
  self->receive([&](const caf::down_msg& dm) { CAF_CHECK_EQUAL(dm.source, node.address()); },
                caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("node actor lives on"); });
}

CAF_TEST_FIXTURE_SCOPE_END()
