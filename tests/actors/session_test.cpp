#define CAF_SUITE actors.session
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>

#include "actors/client_link.hpp"
#include "actors/directory.hpp"
#include "actors/frames.hpp"
#include "actors/session.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

// Records what the session actor hands its connection. Under the test
// coordinator every call comes from the one scheduler thread.
struct fake_link : client_link {
  std::vector<std::vector<json>> batches;
  uint16_t close_code = 0;

  void deliver(std::vector<frame> frames) override {
    std::vector<json> batch;
    for (auto& f : frames)
      batch.push_back(json::parse(*f));
    batches.push_back(std::move(batch));
  }

  void close(uint16_t code, std::string) override {
    close_code = code;
  }

  std::vector<json> all() const {
    std::vector<json> out;
    for (auto& b : batches)
      out.insert(out.end(), b.begin(), b.end());
    return out;
  }
};

caf::behavior counting_directory(caf::event_based_actor* self,
                                 caf::actor real, std::shared_ptr<int> lookups) {
  return {
    [=](get_atom, const std::string& name) {
      ++*lookups;
      auto rp = self->make_response_promise();
      self->request(real, caf::infinite, get_atom::value, name)
        .then([rp](const caf::actor& ch) mutable { rp.deliver(ch); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

struct session_fixture : actor_fixture {
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  caf::actor directory;
  session_limits limits;

  // With `lookups`, the session talks to the directory through a proxy
  // that counts the channel lookups.
  caf::actor start_session(std::shared_ptr<int> lookups = nullptr) {
    directory_config cfg;
    cfg.decls = default_channel_decls();
    cfg.limits = test_limits();
    directory = spawn_directory(sys, cfg);
    auto dir = lookups ? sys.spawn(counting_directory, directory, lookups)
                       : directory;
    auto session = spawn_session(sys, limits, {"node-a", "s-1"}, link, dir);
    run();
    return session;
  }

  void written(const caf::actor& session) {
    self->send(session, written_atom::value);
    run();
  }
};

frame text_frame(size_t bytes) {
  // A JSON string of exactly `bytes` bytes, so the fake link can parse it.
  return std::make_shared<const std::string>('"' + std::string(bytes - 2, 'x')
                                             + '"');
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(session_tests, session_fixture)

CAF_TEST(the first frame is welcome) {
  limits.heartbeat_ms = 1234;
  start_session();
  CAF_REQUIRE_EQUAL(link->batches.size(), 1u);
  auto& welcome = link->batches[0][0];
  CAF_CHECK_EQUAL(welcome.at("type"), "welcome");
  CAF_CHECK_EQUAL(welcome.at("node"), "node-a");
  CAF_CHECK_EQUAL(welcome.at("session"), "s-1");
  CAF_CHECK_EQUAL(welcome.at("protocol"), 1);
  CAF_CHECK_EQUAL(welcome.at("heartbeat_ms"), 1234);
}

CAF_TEST(one batch is in flight and the rest waits for written) {
  limits.max_batch_frames = 2;
  auto session = start_session();
  for (int i = 0; i < 3; ++i)
    self->send(session, reply_atom::value, frames::pong(std::to_string(i)));
  run();
  CAF_CHECK_EQUAL(link->batches.size(), 1u); // welcome still in flight
  written(session);
  CAF_REQUIRE_EQUAL(link->batches.size(), 2u);
  CAF_CHECK_EQUAL(link->batches[1].size(), 2u);
  written(session);
  CAF_REQUIRE_EQUAL(link->batches.size(), 3u);
  CAF_CHECK_EQUAL(link->batches[2].size(), 1u);
  CAF_CHECK_EQUAL(link->batches[2][0].at("id"), 2);
}

CAF_TEST(a slow consumer is closed with 1013 once its queue passes the cap) {
  limits.queue_bytes = 10'000;
  auto session = start_session();
  self->monitor(session);
  for (int i = 0; i < 4; ++i)
    self->send(session, reply_atom::value, text_frame(2'000));
  run();
  CAF_CHECK_EQUAL(link->close_code, 0);
  self->send(session, reply_atom::value, text_frame(2'000));
  run();
  CAF_CHECK_EQUAL(link->close_code, 1013);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST(catch-up demand waits until the queue is at most half full) {
  limits.queue_bytes = 10'000;
  auto session = start_session(); // welcome in flight
  for (int i = 0; i < 3; ++i)
    self->send(session, reply_atom::value, text_frame(2'000));
  run();
  // A channel (played by self) has the next chunk of subscription 1 ready.
  self->send(session, catchup_atom::value, uint64_t{1});
  run();
  auto no_demand = [&] {
    bool got = false;
    self->receive([&](catchup_atom, uint64_t, uint64_t) { got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return !got;
  };
  CAF_CHECK(no_demand());
  written(session); // the three frames are now in flight: 6000 > 5000
  CAF_CHECK(no_demand());
  written(session); // nothing pending
  uint64_t budget = 0;
  uint64_t sub = 0;
  self->receive(
    [&](catchup_atom, uint64_t sub_id, uint64_t room) {
      sub = sub_id;
      budget = room;
    },
    caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("no demand"); });
  CAF_CHECK_EQUAL(sub, 1u);
  CAF_CHECK_EQUAL(budget, 5'000u);
  CAF_CHECK_EQUAL(link->close_code, 0);
}

CAF_TEST(unsubscribing what is not subscribed is an error with the id) {
  auto session = start_session();
  written(session);
  self->send(session, unsubscribe_request{"trades", "\"u1\""});
  run();
  auto msgs = link->all();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[1].at("type"), "error");
  CAF_CHECK_EQUAL(msgs[1].at("code"), "not_subscribed");
  CAF_CHECK_EQUAL(msgs[1].at("id"), "u1");
}

CAF_TEST(subscribe publish and unsubscribe through the directory) {
  limits.max_batch_frames = 100;
  auto session = start_session();
  written(session);
  self->send(session, subscribe_request{"trades", std::nullopt, std::nullopt, "1"});
  run();
  written(session);
  self->send(session, publish_request{"trades", R"({"symbol":"ACME"})", "2"});
  run();
  written(session);
  written(session);
  self->send(session, unsubscribe_request{"trades", "3"});
  run();
  written(session);
  std::vector<std::string> types;
  for (auto& m : link->all())
    types.push_back(m.at("type"));
  // `published` and the update may come in either order: both follow the
  // durable commit.
  CAF_REQUIRE_EQUAL(types.size(), 5u);
  CAF_CHECK_EQUAL(types[0], "welcome");
  CAF_CHECK_EQUAL(types[1], "subscribed");
  CAF_CHECK_EQUAL(types[4], "unsubscribed");
  auto all = link->all();
  for (int i = 2; i <= 3; ++i) {
    if (all[i].at("type") == "update") {
      CAF_CHECK_EQUAL(all[i].at("seq"), 1);
      CAF_CHECK_EQUAL(all[i].at("data").at("symbol"), "ACME");
    } else {
      CAF_CHECK_EQUAL(all[i].at("type"), "published");
      CAF_CHECK_EQUAL(all[i].at("seq"), 1);
      CAF_CHECK_EQUAL(all[i].at("id"), 2);
    }
  }
}

CAF_TEST(publishes past the in-flight cap are refused until acks come back) {
  limits.max_batch_frames = 100;
  limits.max_publishes_in_flight = 2;
  auto session = start_session();
  written(session);
  // All three are in the mailbox before the directory can answer the first.
  for (auto id : {"1", "2", "3"})
    self->send(session, publish_request{"alerts", R"({"n":1})", id});
  run();
  for (int i = 0; i < 4; ++i)
    written(session);
  std::map<int, json> replies;
  for (auto& m : link->all())
    if (m.contains("id"))
      replies[m.at("id").get<int>()] = m;
  CAF_REQUIRE_EQUAL(replies.size(), 3u);
  CAF_CHECK_EQUAL(replies[1].at("type"), "published");
  CAF_CHECK_EQUAL(replies[2].at("type"), "published");
  CAF_CHECK_EQUAL(replies[3].at("type"), "error");
  CAF_CHECK_EQUAL(replies[3].at("code"), "rate_limited");
  // The acks freed the slots: the next publish goes through.
  self->send(session, publish_request{"alerts", R"({"n":2})", "4"});
  run();
  for (int i = 0; i < 2; ++i)
    written(session);
  auto all = link->all();
  CAF_REQUIRE(!all.empty());
  CAF_CHECK_EQUAL(all.back().at("type"), "published");
  CAF_CHECK_EQUAL(all.back().at("id"), 4);
  CAF_CHECK_EQUAL(all.back().at("seq"), 3);
}

CAF_TEST(subscriptions past the cap are refused; resubscribing is not a new one) {
  limits.max_batch_frames = 100;
  limits.max_subscriptions = 2;
  auto session = start_session();
  written(session);
  auto sub = [&](const char* channel, const char* id) {
    self->send(session, subscribe_request{channel, std::nullopt, std::nullopt, id});
    run();
    written(session);
    written(session);
  };
  sub("trades", "1");
  sub("alerts", "2");
  sub("dashboard", "3");
  sub("trades", "4");
  std::map<int, json> replies;
  for (auto& m : link->all())
    if (m.contains("id"))
      replies[m.at("id").get<int>()] = m;
  CAF_CHECK_EQUAL(replies[1].at("type"), "subscribed");
  CAF_CHECK_EQUAL(replies[2].at("type"), "subscribed");
  CAF_CHECK_EQUAL(replies[3].at("type"), "error");
  CAF_CHECK_EQUAL(replies[3].at("code"), "rate_limited");
  CAF_CHECK_EQUAL(replies[4].at("type"), "subscribed");
  // After an unsubscribe there is room again.
  self->send(session, unsubscribe_request{"alerts", "5"});
  run();
  written(session);
  sub("dashboard", "6");
  replies.clear();
  for (auto& m : link->all())
    if (m.contains("id"))
      replies[m.at("id").get<int>()] = m;
  CAF_CHECK_EQUAL(replies[6].at("type"), "subscribed");
  // The client leaves: its channels drop the session (as net/ does on close).
  self->send(session, closed_atom::value);
  run();
}

CAF_TEST(publishes ask the directory once per channel and keep their order) {
  limits.max_batch_frames = 100;
  auto lookups = std::make_shared<int>(0);
  auto session = start_session(lookups);
  written(session);
  // Five arrive before the directory answers, two after.
  for (int i = 1; i <= 5; ++i)
    self->send(session, publish_request{"trades", json{{"n", i}}.dump(),
                                        std::to_string(i)});
  run();
  for (int i = 6; i <= 7; ++i)
    self->send(session, publish_request{"trades", json{{"n", i}}.dump(),
                                        std::to_string(i)});
  run();
  for (int i = 0; i < 8; ++i)
    written(session);
  CAF_CHECK_EQUAL(*lookups, 1);
  std::map<int, uint64_t> seq_of_id;
  for (auto& m : link->all())
    if (m.value("type", "") == "published")
      seq_of_id[m.at("id").get<int>()] = m.at("seq").get<uint64_t>();
  CAF_REQUIRE_EQUAL(seq_of_id.size(), 7u);
  for (auto& [id, seq] : seq_of_id)
    CAF_CHECK_EQUAL(seq, static_cast<uint64_t>(id)); // publish order kept
  self->send(session, publish_request{"alerts", "{}", "8"});
  run();
  written(session);
  CAF_CHECK_EQUAL(*lookups, 2);
  // An unknown channel is not remembered: each try asks again.
  for (auto id : {"9", "10"}) {
    self->send(session, publish_request{"nope", "{}", id});
    run();
    written(session);
  }
  written(session);
  CAF_CHECK_EQUAL(*lookups, 4);
  auto last = link->all().back();
  CAF_CHECK_EQUAL(last.at("code"), "unknown_channel");
  CAF_CHECK_EQUAL(last.at("id"), 10);
}

CAF_TEST(unknown channels are reported to the client) {
  auto session = start_session();
  written(session);
  self->send(session, subscribe_request{"nope", std::nullopt, std::nullopt, "7"});
  run();
  auto msgs = link->all();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[1].at("code"), "unknown_channel");
  CAF_CHECK_EQUAL(msgs[1].at("id"), 7);
}

CAF_TEST_FIXTURE_SCOPE_END()
