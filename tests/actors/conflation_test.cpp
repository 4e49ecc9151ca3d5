#define CAF_SUITE actors.conflation
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include "actors/directory.hpp"
#include "actors/session.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_link.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

struct conflation_fixture : actor_fixture {
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  caf::actor directory;
  caf::actor session;
  session_limits limits;

  // Subscriptions hold the session and the channel in a cycle; closing the
  // session breaks it, so the test system can shut down.
  ~conflation_fixture() {
    if (session) {
      self->send(session, closed_atom::value);
      run();
    }
  }

  void start(uint64_t queue_bytes) {
    limits.queue_bytes = queue_bytes;
    directory_config cfg;
    // The deterministic scheduler fires every pending timeout in run(), so
    // the periodic idle-channel sweep would never let it finish.
    cfg.idle_retire = std::chrono::seconds(0);
    cfg.decls = default_channel_decls();
    cfg.limits = test_limits();
    directory = spawn_directory(sys, cfg);
    session = spawn_session(sys, limits, {"node-a", "s-1", {}}, link,
                            directory);
    run();
    self->monitor(session);
  }

  caf::actor channel(const std::string& name) {
    return ask<caf::actor>(directory, get_atom::value, name);
  }

  void subscribe(const std::string& name) {
    self->send(session, subscribe_request{name, std::nullopt, std::nullopt,
                                          "\"" + name + "\""});
    run();
  }

  // The client reads nothing; the session's "how much was written?" is
  // answered with what it already knows.
  void publish_unread(const caf::actor& ch, const json& data) {
    self->send(ch, publish_atom::value, data.dump());
    run();
    self->receive([](publish_ack&) {}, [](caf::error&) {},
                  caf::after(std::chrono::seconds(0)) >> [] {});
    if (link->asked_now > 0)
      answer();
  }

  void answer() {
    link->asked_now = 0;
    self->send(session, written_atom::value, link->written);
    run();
  }

  // The client reads everything, as many rounds as the session needs.
  void read_all() {
    for (int round = 0; round < 50; ++round) {
      auto before = link->delivered;
      link->written = link->delivered;
      link->notify_at = 0;
      link->asked_now = 0;
      self->send(session, written_atom::value, link->written);
      run();
      if (link->delivered == before)
        return;
    }
  }

  // Replays what reached the client for `name` as the JavaScript client
  // does: snapshots replace, updates merge; a seq jump only when conflated.
  struct replay {
    json doc = json::object();
    uint64_t seq = 0;
    int conflated = 0;
    int snapshots = 0;
    bool ok = true;
  };

  replay replay_of(const std::string& name) {
    replay r;
    for (auto& m : link->all()) {
      if (m.value("channel", "") != name)
        continue;
      auto type = m.value("type", "");
      if (type == "snapshot") {
        r.doc = m.at("data");
        r.seq = m.at("seq").get<uint64_t>();
        ++r.snapshots;
      } else if (type == "update") {
        auto seq = m.at("seq").get<uint64_t>();
        bool flagged = m.value("conflated", false);
        if (seq != r.seq + 1 && !(flagged && seq > r.seq))
          r.ok = false;
        if (flagged)
          ++r.conflated;
        r.doc.merge_patch(m.at("data"));
        r.seq = seq;
      }
    }
    return r;
  }

  bool closed() {
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return down;
  }
};

json patch(int i) {
  // Nested members, deletes and replacements, all composable: a member is
  // never set to an object after being set to a value or deleted.
  json p = {{"k" + std::to_string(i % 7), {{"v", i}, {"pad", std::string(60, 'p')}}}};
  if (i % 5 == 0)
    p["k" + std::to_string((i + 3) % 7)] = {{"v", nullptr}};
  if (i % 11 == 0)
    p["counter"] = i;
  return p;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(conflation_tests, conflation_fixture)

CAF_TEST(a slow state subscriber gets one composed update and no 1013) {
  start(4'000);
  auto ch = channel("dashboard");
  // Members the patches never touch: the composed patch is smaller than
  // the document, so it is sent instead of a snapshot.
  json base;
  for (int i = 0; i < 10; ++i)
    base["static" + std::to_string(i)] = std::string(150, 's');
  publish(ch, base);
  subscribe("dashboard");
  read_all();
  for (int i = 1; i <= 300; ++i)
    publish_unread(ch, patch(i)); // ~100 B each: 30 kB against a 4 kB cap
  CAF_CHECK_EQUAL(link->close_code, 0);
  // Bounded: what the connection holds stays under the cap.
  CAF_CHECK_LESS_OR_EQUAL(link->delivered - link->written, 4'000u);
  read_all();
  auto server = ask<state_doc>(ch, state_atom::value);
  CAF_CHECK_EQUAL(server.seq, 301u);
  auto r = replay_of("dashboard");
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.seq, 301u);
  CAF_CHECK_EQUAL(r.doc, json::parse(server.data_json));
  CAF_CHECK_GREATER_OR_EQUAL(r.conflated, 1);
  CAF_CHECK_EQUAL(r.snapshots, 1); // only the one at subscribe
  // Live again afterwards: the next patch comes as itself.
  publish_unread(ch, {{"after", 1}});
  auto last = link->all().back();
  CAF_CHECK_EQUAL(last.at("seq"), 302);
  CAF_CHECK(!last.contains("conflated"));
  CAF_CHECK(!closed());
}

CAF_TEST(patches no single patch can express come as a fresh snapshot) {
  start(4'000);
  subscribe("positions");
  read_all();
  auto ch = channel("positions");
  for (int i = 1; i <= 100; ++i) {
    // "x" is a number, then an object: a merge patch cannot replace a
    // member by an object, so the composition fails.
    json p = {{"pad" + std::to_string(i % 5), std::string(80, 'q')}};
    p["x"] = (i % 2 == 1) ? json(i) : json{{"n", i}};
    publish_unread(ch, p);
  }
  CAF_CHECK_EQUAL(link->close_code, 0);
  read_all();
  auto server = ask<state_doc>(ch, state_atom::value);
  auto r = replay_of("positions");
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.seq, server.seq);
  CAF_CHECK_EQUAL(r.doc, json::parse(server.data_json));
  CAF_CHECK_GREATER_OR_EQUAL(r.snapshots, 2); // the first, then a fresh one
}

CAF_TEST(a slow stream subscriber is still closed with 1013) {
  start(4'000);
  subscribe("trades");
  read_all();
  auto ch = channel("trades");
  for (int i = 1; i <= 100 && link->close_code == 0; ++i)
    publish_unread(ch, patch(i));
  CAF_CHECK_EQUAL(link->close_code, 1013);
  CAF_CHECK(closed());
}

CAF_TEST(a snapshot larger than the cap reaches a new subscriber) {
  start(4'000);
  auto ch = channel("dashboard");
  for (int i = 0; i < 10; ++i)
    publish(ch, {{"big" + std::to_string(i), std::string(2'000, 'b')}});
  subscribe("dashboard"); // a 20 kB snapshot against a 4 kB cap
  CAF_CHECK_EQUAL(link->close_code, 0);
  auto r = replay_of("dashboard");
  CAF_CHECK_EQUAL(r.snapshots, 1);
  CAF_CHECK_EQUAL(r.seq, 10u);
  // Patches after it are still taken while it is being written.
  publish_unread(ch, {{"small", 1}});
  CAF_CHECK_EQUAL(link->close_code, 0);
  read_all();
  r = replay_of("dashboard");
  CAF_CHECK_EQUAL(r.seq, 11u);
  CAF_CHECK_EQUAL(r.doc, json::parse(ask<state_doc>(ch, state_atom::value).data_json));
  // The credit covers one document at a time: a stream's bytes past the
  // cap still close the client.
  subscribe("trades");
  read_all();
  auto trades = channel("trades");
  for (int i = 1; i <= 100 && link->close_code == 0; ++i)
    publish_unread(trades, patch(i));
  CAF_CHECK_EQUAL(link->close_code, 1013);
}

CAF_TEST_FIXTURE_SCOPE_END()
