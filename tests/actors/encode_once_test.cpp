#define CAF_SUITE actors.encode_once
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include "actors/msgpack_wire.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

// What one stand-in session was handed: the batches themselves, so a test
// can tell a shared object from an equal copy.
struct batch_log {
  std::vector<frame_batch> batches;

  // The frame of each update, by seq.
  std::map<uint64_t, frame> updates() const {
    std::map<uint64_t, frame> out;
    for (auto& b : batches)
      for (auto& f : *b) {
        auto msg = json::parse(f->json());
        if (msg.value("type", "") == "update")
          out[msg.at("seq").get<uint64_t>()] = f;
      }
    return out;
  }
};

caf::behavior batch_recorder(caf::event_based_actor*,
                             std::shared_ptr<batch_log> log) {
  return {
    [log](deliver_atom, uint64_t, const frame_batch& batch, uint64_t) {
      log->batches.push_back(batch);
    },
    [](catchup_atom, uint64_t sub_id) {
      return caf::make_message(catchup_atom::value, sub_id, uint64_t{1} << 30);
    },
  };
}

struct encode_fixture : actor_fixture {
  std::pair<caf::actor, std::shared_ptr<batch_log>> make_logger() {
    auto log = std::make_shared<batch_log>();
    auto s = sys.spawn(batch_recorder, log);
    run();
    return {s, log};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(encode_once_tests, encode_fixture)

CAF_TEST(a live batch reaches every subscriber as one shared object) {
  auto ch = make_channel("trades", "stream");
  auto [a, log_a] = make_logger();
  auto [b, log_b] = make_logger();
  subscribe(ch, a, 1);
  subscribe(ch, b, 1);
  publish(ch, json{{"n", 1}});
  CAF_REQUIRE_EQUAL(log_a->batches.size(), 2u); // subscribed, then the update
  CAF_REQUIRE_EQUAL(log_b->batches.size(), 2u);
  CAF_CHECK_EQUAL(log_a->batches[1].get(), log_b->batches[1].get());
}

CAF_TEST(catch-up from the ring shares the frames sent live) {
  auto ch = make_channel("trades", "stream");
  auto [live, log_live] = make_logger();
  subscribe(ch, live, 1);
  for (int i = 1; i <= 5; ++i)
    publish(ch, json{{"n", i}});
  auto [late, log_late] = make_logger();
  subscribe(ch, late, 1, uint64_t{0});
  auto sent = log_live->updates();
  auto resumed = log_late->updates();
  CAF_REQUIRE_EQUAL(resumed.size(), 5u);
  for (auto& [seq, f] : resumed)
    CAF_CHECK_EQUAL(f.get(), sent[seq].get());
}

CAF_TEST(catch-up from the store is encoded once for several subscribers) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 4; // seqs 1..16 are only in the store
  auto ch = make_channel("trades", "stream", limits);
  for (int i = 1; i <= 20; ++i)
    publish(ch, json{{"n", i}});
  auto [a, log_a] = make_logger();
  auto [b, log_b] = make_logger();
  subscribe(ch, a, 1, uint64_t{0});
  subscribe(ch, b, 1, uint64_t{0});
  auto got_a = log_a->updates();
  auto got_b = log_b->updates();
  CAF_REQUIRE_EQUAL(got_a.size(), 20u);
  CAF_REQUIRE_EQUAL(got_b.size(), 20u);
  for (uint64_t seq = 1; seq <= 20; ++seq) {
    CAF_CHECK_EQUAL(got_a[seq].get(), got_b[seq].get());
    CAF_CHECK_EQUAL(json::parse(got_a[seq]->json()).at("data").at("n").get<uint64_t>(), seq);
  }
  anon_send_exit(ch, caf::exit_reason::user_shutdown);
  run();
  close_store();
}

CAF_TEST(MessagePack subscribers share one encoding live and on catch-up) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 4; // seqs 1..6 are only in the store
  auto ch = make_channel("trades", "stream", limits);
  auto [live, log_live] = make_logger();
  subscribe(ch, live, 1);
  for (int i = 1; i <= 10; ++i)
    publish(ch, json{{"n", i}, {"big", json::parse("123456789012345678901")}});
  auto [ring, log_ring] = make_logger();
  subscribe(ch, ring, 1, uint64_t{7}); // 8..10 from the ring
  auto [store1, log_s1] = make_logger();
  auto [store2, log_s2] = make_logger();
  subscribe(ch, store1, 1, uint64_t{0}); // 1..10, 1..6 from the store
  subscribe(ch, store2, 1, uint64_t{0});
  auto sent = log_live->updates();
  auto from_ring = log_ring->updates();
  auto s1 = log_s1->updates();
  auto s2 = log_s2->updates();
  CAF_REQUIRE_EQUAL(from_ring.size(), 3u);
  CAF_REQUIRE_EQUAL(s1.size(), 10u);
  for (uint64_t seq = 8; seq <= 10; ++seq)
    CAF_CHECK_EQUAL(&from_ring[seq]->msgpack(), &sent[seq]->msgpack());
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    // One MessagePack encoding per update, whoever asked first.
    CAF_CHECK_EQUAL(&s1[seq]->msgpack(), &s2[seq]->msgpack());
    CAF_CHECK_EQUAL(s1[seq]->msgpack(), sent[seq]->msgpack());
    auto back = msgpack_wire::to_json(s1[seq]->msgpack(), 64);
    CAF_REQUIRE(back.ok());
    CAF_CHECK_EQUAL(back.json, s1[seq]->json());
  }
  anon_send_exit(ch, caf::exit_reason::user_shutdown);
  run();
  close_store();
}

CAF_TEST_FIXTURE_SCOPE_END()
