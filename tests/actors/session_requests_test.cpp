#define CAF_SUITE actors.session_requests
// The session's requests: subscribe, unsubscribe and publish through the
// directory, and the caps on them. Its outbound side is in session_test.cpp.
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <map>
#include <string>

#include "actors/frames.hpp"
#include "tests/actors/session_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

CAF_TEST_FIXTURE_SCOPE(session_request_tests, session_fixture)

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
  auto session = start_session();
  written(session);
  self->send(session, subscribe_request{"trades", std::nullopt, std::nullopt, "1"});
  run();
  written(session);
  self->send(session,
             publish_request{"trades", R"({"symbol":"ACME"})", "2", ""});
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
  limits.max_publishes_in_flight = 2;
  auto session = start_session();
  written(session);
  // All three are in the mailbox before the directory can answer the first.
  for (auto id : {"1", "2", "3"})
    self->send(session, publish_request{"alerts", R"({"n":1})", id, ""});
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
  self->send(session, publish_request{"alerts", R"({"n":2})", "4", ""});
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
  auto lookups = std::make_shared<int>(0);
  auto session = start_session(lookups);
  written(session);
  // Five arrive before the directory answers, two after.
  for (int i = 1; i <= 5; ++i)
    self->send(session, publish_request{"trades", json{{"n", i}}.dump(),
                                        std::to_string(i), ""});
  run();
  for (int i = 6; i <= 7; ++i)
    self->send(session, publish_request{"trades", json{{"n", i}}.dump(),
                                        std::to_string(i), ""});
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
  self->send(session, publish_request{"alerts", "{}", "8", ""});
  run();
  written(session);
  CAF_CHECK_EQUAL(*lookups, 2);
  // An unknown channel is not remembered: each try asks again.
  for (auto id : {"9", "10"}) {
    self->send(session, publish_request{"nope", "{}", id, ""});
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
