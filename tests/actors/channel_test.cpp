#define CAF_SUITE actors.channel
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include "actors/errors.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

CAF_TEST_FIXTURE_SCOPE(channel_tests, actor_fixture)

CAF_TEST(seqs are assigned consecutively from 1 within one epoch) {
  auto ch = make_channel("trades", "stream");
  auto a = publish(ch, {{"n", 1}});
  auto b = publish(ch, {{"n", 2}});
  auto c = publish(ch, {{"n", 3}});
  CAF_CHECK_EQUAL(a.seq, 1u);
  CAF_CHECK_EQUAL(b.seq, 2u);
  CAF_CHECK_EQUAL(c.seq, 3u);
  CAF_CHECK(!a.epoch.empty());
  CAF_CHECK_EQUAL(a.epoch, c.epoch);
  CAF_CHECK_EQUAL(c.channel, "trades");
}

CAF_TEST(publishes queued during a write are group committed in order) {
  open_store();
  auto ch = make_channel("trades", "stream");
  for (int i = 1; i <= 10; ++i)
    self->send(ch, publish_atom::value, json{{"n", i}}.dump());
  run();
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 10; ++i)
    self->receive([&](publish_ack& ack) { seqs.push_back(ack.seq); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("missing ack"); });
  CAF_CHECK_EQUAL(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  std::vector<storage::record> stored;
  storage::channel_meta meta;
  CAF_REQUIRE(store->load_meta("trades", &meta).ok());
  CAF_REQUIRE(store->read(meta.id, 1, 100, 100, &stored).ok());
  CAF_REQUIRE_EQUAL(stored.size(), 10u);
  CAF_CHECK_EQUAL(meta.head, 10u);
  for (size_t i = 0; i < stored.size(); ++i)
    CAF_CHECK_EQUAL(json::parse(stored[i].data).at("n").get<size_t>(), i + 1);
}

CAF_TEST(a memory-only channel fans out waiting publishes as one batch) {
  auto limits = test_limits();
  limits.max_batch = 4;
  auto ch = make_channel("trades", "stream", limits);
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1);
  CAF_REQUIRE_EQUAL(box->deliveries, 1u); // `subscribed`
  for (int i = 1; i <= 10; ++i)
    self->send(ch, publish_atom::value, json{{"n", i}}.dump());
  run();
  // Ten publishes in the mailbox, at most four per batch: 4 + 4 + 2.
  CAF_CHECK_EQUAL(box->deliveries, 1u + 3u);
  CAF_CHECK_EQUAL(box->update_seqs(),
                  (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  std::vector<uint64_t> acked;
  for (int i = 0; i < 10; ++i)
    self->receive([&](publish_ack& ack) { acked.push_back(ack.seq); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("missing ack"); });
  CAF_CHECK_EQUAL(acked, box->update_seqs());
}

CAF_TEST(publishes past the queue cap are refused and never stored) {
  open_store();
  auto limits = test_limits();
  limits.max_pending = 3;
  auto ch = make_channel("trades", "stream", limits);
  // The first starts a write; the next three queue behind it; the last two
  // find the queue full.
  for (int i = 1; i <= 6; ++i)
    self->send(ch, publish_atom::value, json{{"n", i}}.dump());
  run();
  std::vector<uint64_t> acked;
  std::vector<std::string> refused;
  for (int i = 0; i < 6; ++i)
    self->receive([&](publish_ack& ack) { acked.push_back(ack.seq); },
                  [&](caf::error& err) { refused.push_back(error_code(err)); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("missing reply"); });
  CAF_CHECK_EQUAL(acked, (std::vector<uint64_t>{1, 2, 3, 4}));
  CAF_CHECK_EQUAL(refused,
                  (std::vector<std::string>{"rate_limited", "rate_limited"}));
  storage::channel_meta meta;
  CAF_REQUIRE(store->load_meta("trades", &meta).ok());
  CAF_CHECK_EQUAL(meta.head, 4u);
  // The queue drained: publishing works again.
  CAF_CHECK_EQUAL(publish(ch, {{"n", 7}}).seq, 5u);
}

CAF_TEST(every subscriber sees the updates in the same order) {
  auto ch = make_channel("trades", "stream");
  auto [s1, box1] = make_subscriber();
  auto [s2, box2] = make_subscriber();
  subscribe(ch, s1, 7);
  subscribe(ch, s2, 9);
  for (int i = 1; i <= 5; ++i)
    publish(ch, {{"n", i}});
  auto expected = std::vector<uint64_t>{1, 2, 3, 4, 5};
  CAF_CHECK_EQUAL(box1->update_seqs(), expected);
  CAF_CHECK_EQUAL(box2->update_seqs(), expected);
  CAF_REQUIRE(!box1->messages.empty());
  CAF_CHECK_EQUAL(box1->messages.front().at("type"), "subscribed");
  CAF_CHECK_EQUAL(box1->messages.front().at("recovered"), false);
  CAF_CHECK_EQUAL(box1->sub_ids.front(), 7u);
  CAF_CHECK_EQUAL(box2->sub_ids.back(), 9u);
  // Both saw the same data for each seq.
  CAF_CHECK_EQUAL(box1->of_type("update"), box2->of_type("update"));
}

CAF_TEST(state channels apply merge patches and send a snapshot first) {
  auto ch = make_channel("dashboard", "state");
  publish(ch, {{"a", 1}, {"b", {{"c", 1}}}});
  publish(ch, {{"b", {{"c", 2}, {"d", 3}}}});
  publish(ch, {{"a", nullptr}});
  auto doc = ask<state_doc>(ch, state_atom::value);
  CAF_CHECK_EQUAL(doc.seq, 3u);
  CAF_CHECK_EQUAL(json::parse(doc.data_json), json({{"b", {{"c", 2}, {"d", 3}}}}));
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1);
  CAF_REQUIRE_EQUAL(box->messages.size(), 2u);
  CAF_CHECK_EQUAL(box->messages[0].at("type"), "subscribed");
  CAF_CHECK_EQUAL(box->messages[0].at("kind"), "state");
  CAF_CHECK_EQUAL(box->messages[1].at("type"), "snapshot");
  CAF_CHECK_EQUAL(box->messages[1].at("seq"), 3);
  CAF_CHECK_EQUAL(box->messages[1].at("data"),
                  json({{"b", {{"c", 2}, {"d", 3}}}}));
  publish(ch, {{"b", {{"d", 4}}}});
  auto updates = box->of_type("update");
  CAF_REQUIRE_EQUAL(updates.size(), 1u);
  // Updates carry only what changed.
  CAF_CHECK_EQUAL(updates[0].at("data"), json({{"b", {{"d", 4}}}}));
}

CAF_TEST(an unsubscribed session gets nothing more) {
  auto ch = make_channel("trades", "stream");
  auto [s, box] = make_subscriber();
  subscribe(ch, s, 1);
  publish(ch, {{"n", 1}});
  self->send(ch, unsubscribe_atom::value, s);
  run();
  publish(ch, {{"n", 2}});
  CAF_CHECK_EQUAL(box->update_seqs(), std::vector<uint64_t>{1});
  auto info = ask<channel_info>(ch, info_atom::value);
  CAF_CHECK_EQUAL(info.subscribers, 0u);
  CAF_CHECK_EQUAL(info.head, 2u);
}

CAF_TEST(a stream channel rejects state requests) {
  auto ch = make_channel("trades", "stream");
  self->send(ch, state_atom::value);
  run();
  bool got_error = false;
  self->receive([&](caf::error& err) { got_error = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(got_error);
}

CAF_TEST(head epoch and state survive a restart of the store) {
  open_store();
  auto ch = make_channel("positions", "state");
  publish(ch, {{"ACME", {{"qty", 10}}}});
  auto first = publish(ch, {{"GLOBX", {{"qty", 5}}}});
  anon_send_exit(ch, caf::exit_reason::user_shutdown);
  run();
  close_store();
  open_store();
  auto again = make_channel("positions", "state");
  auto doc = ask<state_doc>(again, state_atom::value);
  CAF_CHECK_EQUAL(doc.seq, 2u);
  CAF_CHECK_EQUAL(doc.epoch, first.epoch);
  CAF_CHECK_EQUAL(json::parse(doc.data_json),
                  json({{"ACME", {{"qty", 10}}}, {"GLOBX", {{"qty", 5}}}}));
  auto next = publish(again, {{"ACME", nullptr}});
  CAF_CHECK_EQUAL(next.seq, 3u);
  CAF_CHECK_EQUAL(next.epoch, first.epoch);
}

CAF_TEST(history comes from the ring and from the store) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 4;
  auto ch = make_channel("trades", "stream", limits);
  for (int i = 1; i <= 10; ++i)
    publish(ch, {{"n", i}});
  auto recent = ask<history_page>(ch, history_atom::value, uint64_t{8},
                                  uint64_t{100});
  CAF_REQUIRE_EQUAL(recent.updates.size(), 2u);
  CAF_CHECK_EQUAL(recent.updates[0].seq, 9u);
  auto old = ask<history_page>(ch, history_atom::value, uint64_t{0},
                               uint64_t{3});
  CAF_REQUIRE_EQUAL(old.updates.size(), 3u);
  CAF_CHECK_EQUAL(old.updates[0].seq, 1u);
  CAF_CHECK_EQUAL(old.updates[2].seq, 3u);
  CAF_CHECK_EQUAL(old.head, 10u);
}

CAF_TEST_FIXTURE_SCOPE_END()
