#define CAF_SUITE actors.resume
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

CAF_TEST_FIXTURE_SCOPE(resume_tests, actor_fixture)

CAF_TEST(a resume within the ring gets exactly the missed updates then live) {
  auto ch = make_channel("trades", "stream");
  for (int i = 1; i <= 5; ++i)
    publish(ch, {{"n", i}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{2});
  auto subscribed = box->of_type("subscribed");
  CAF_REQUIRE_EQUAL(subscribed.size(), 1u);
  CAF_CHECK_EQUAL(subscribed[0].at("recovered"), true);
  CAF_CHECK_EQUAL(subscribed[0].at("seq"), 5);
  publish(ch, {{"n", 6}});
  CAF_CHECK_EQUAL(box->update_seqs(), range(3, 6));
}

// A reconnect storm is thousands of these at once: each resume from the ring
// is one message to the session (its `subscribed` and the missed updates,
// which together are more than 16 KiB here), not a `subscribed`, a chunk
// and a round of demand for the rest.
CAF_TEST(a resume of 100 updates from the ring is one batch led by subscribed) {
  auto ch = make_channel("trades", "stream");
  const std::string pad(120, 'x');
  for (int i = 1; i <= 110; ++i)
    publish(ch, {{"n", i}, {"p", pad}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{10});
  CAF_CHECK_EQUAL(box->deliveries, 1u);
  CAF_REQUIRE(!box->messages.empty());
  CAF_CHECK_EQUAL(box->messages.front().at("type"), "subscribed");
  CAF_CHECK_EQUAL(box->messages.front().at("recovered"), true);
  CAF_CHECK_EQUAL(box->update_seqs(), range(11, 110));
  size_t bytes = 0;
  for (auto& m : box->messages)
    bytes += m.dump().size();
  CAF_CHECK_GREATER(bytes, 16u * 1024u);
  publish(ch, {{"n", 111}});
  CAF_CHECK_EQUAL(box->update_seqs(), range(11, 111));
}

// A longer resume than the first chunk holds continues in chunks the
// session asks for, still exactly the missed updates, `subscribed` first.
CAF_TEST(a resume larger than the first chunk continues exactly) {
  auto ch = make_channel("trades", "stream");
  const std::string pad(120, 'x');
  for (int i = 1; i <= 600; ++i)
    publish(ch, {{"n", i}, {"p", pad}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{3});
  CAF_CHECK_GREATER(box->deliveries, 1u);
  CAF_REQUIRE(!box->messages.empty());
  CAF_CHECK_EQUAL(box->messages.front().at("type"), "subscribed");
  CAF_CHECK_EQUAL(box->of_type("subscribed").size(), 1u);
  CAF_CHECK_EQUAL(box->update_seqs(), range(4, 600));
  publish(ch, {{"n", 601}});
  CAF_CHECK_EQUAL(box->update_seqs(), range(4, 601));
}

CAF_TEST(a resume older than the ring is served from the store in chunks) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 4;
  limits.read_chunk = 3;
  auto ch = make_channel("trades", "stream", limits);
  for (int i = 1; i <= 20; ++i)
    publish(ch, {{"n", i}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{2});
  CAF_CHECK_EQUAL(box->field("subscribed", "recovered"), true);
  CAF_CHECK_EQUAL(box->update_seqs(), range(3, 20));
  publish(ch, {{"n", 21}});
  CAF_CHECK_EQUAL(box->update_seqs(), range(3, 21));
}

CAF_TEST(publishes interleaved with a catch-up are delivered once in order) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 4;
  limits.read_chunk = 2;
  auto ch = make_channel("trades", "stream", limits);
  for (int i = 1; i <= 12; ++i)
    publish(ch, {{"n", i}});
  auto [s, box] = make_subscriber();
  subscribe_request req{"trades", uint64_t{1}, std::nullopt, ""};
  self->send(ch, subscribe_atom::value, s, uint64_t{1}, req);
  // Interleave: one scheduling step of the catch-up, then a new publish,
  // so the ring moves on while the subscriber is still reading the store.
  uint64_t published = 12;
  for (int round = 0; round < 30; ++round) {
    sched.run_once();
    if (round % 3 == 0)
      self->send(ch, publish_atom::value, json{{"n", ++published}}.dump());
  }
  run();
  CAF_CHECK_EQUAL(box->update_seqs(), range(2, published));
  publish(ch, {{"n", ++published}});
  CAF_CHECK_EQUAL(box->update_seqs(), range(2, published));
}

CAF_TEST(a since beyond the head is not recovered) {
  auto ch = make_channel("trades", "stream");
  for (int i = 1; i <= 3; ++i)
    publish(ch, {{"n", i}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{99});
  CAF_CHECK_EQUAL(box->field("subscribed", "recovered"), false);
  // A stream channel then sends the latest retained updates.
  CAF_CHECK_EQUAL(box->update_seqs(), range(1, 3));
}

CAF_TEST(a foreign epoch is not recovered and a state channel sends a snapshot) {
  auto ch = make_channel("dashboard", "state");
  publish(ch, {{"total_value", 10}});
  publish(ch, {{"total_value", 11}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{1}, std::string{"some-other-epoch"});
  CAF_REQUIRE_EQUAL(box->messages.size(), 2u);
  CAF_CHECK_EQUAL(box->messages[0].at("recovered"), false);
  CAF_CHECK_EQUAL(box->messages[1].at("type"), "snapshot");
  CAF_CHECK_EQUAL(box->messages[1].at("data"), json({{"total_value", 11}}));
  CAF_CHECK(box->of_type("update").empty());
}

CAF_TEST(a since older than retention is not recovered) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 4;
  limits.catchup_limit = 3;
  channel_decl decl;
  decl.pattern = "trades";
  decl.retention_count = 10;
  auto ch = make_declared(decl, limits);
  for (int i = 1; i <= 30; ++i)
    publish(ch, {{"n", i}});
  auto info = ask<channel_info>(ch, info_atom::value);
  CAF_REQUIRE_GREATER(info.first, 2u);
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{1});
  CAF_CHECK_EQUAL(box->field("subscribed", "recovered"), false);
  // At most catchup_limit of the latest updates.
  CAF_CHECK_EQUAL(box->update_seqs(), range(28, 30));
}

CAF_TEST(a resume at the head sends nothing but live updates) {
  auto ch = make_channel("trades", "stream");
  publish(ch, {{"n", 1}});
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1, uint64_t{1});
  CAF_CHECK_EQUAL(box->field("subscribed", "recovered"), true);
  CAF_CHECK(box->update_seqs().empty());
  publish(ch, {{"n", 2}});
  CAF_CHECK_EQUAL(box->update_seqs(), std::vector<uint64_t>{2});
}

CAF_TEST_FIXTURE_SCOPE_END()
