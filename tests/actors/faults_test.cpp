#define CAF_SUITE actors.faults
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <rocksdb/db.h>

#include "actors/client_link.hpp"
#include "actors/errors.hpp"
#include "actors/directory.hpp"
#include "actors/session.hpp"
#include "storage/keys.hpp"
#include "tests/actors/actor_fixture.hpp"

// Faults under a subscription: retention trimming under a catch-up, a store
// read that fails, a channel actor that stops.

using namespace tidewire;
using namespace tidewire::test;

namespace {

// A session stand-in that answers catch-up demand only when told to
// (tick_atom), so a test can act between two chunks.
struct held_inbox : inbox {
  caf::actor_addr channel; // weak: a strong ref would keep both alive
  uint64_t waiting_sub = 0; // a chunk is ready for this sub_id, 0: none
  std::vector<uint64_t> dropped; // sub_ids the channel dropped
};

caf::behavior held_recorder(caf::event_based_actor* self,
                            std::shared_ptr<held_inbox> box) {
  return {
    [box](deliver_atom, uint64_t sub_id, const frame_batch& frames,
          uint64_t) { box->record(sub_id, frames, false); },
    [box](deliver_atom, uint64_t sub_id, const frame_batch& frames, uint64_t,
          bool) { box->record(sub_id, frames, true); },
    [box](conflate_atom, uint64_t) { ++box->conflatable; },
    [self, box](catchup_atom, uint64_t sub_id) {
      box->channel = caf::actor_cast<caf::actor_addr>(self->current_sender());
      box->waiting_sub = sub_id;
    },
    [self, box](tick_atom) {
      if (box->waiting_sub == 0)
        return;
      self->send(caf::actor_cast<caf::actor>(box->channel), catchup_atom::value,
                 std::exchange(box->waiting_sub, 0), uint64_t{1} << 30);
    },
    [box](unsubscribe_atom, uint64_t sub_id) { box->dropped.push_back(sub_id); },
  };
}

// Records what a session actor hands its connection.
struct fake_link : client_link {
  std::vector<json> frames;
  void deliver(frame_batch batch) override {
    for (auto& f : *batch)
      frames.push_back(json::parse(f->json()));
  }
  void notify_written(uint64_t) override {
  }
  void close(uint16_t, std::string) override {
  }
};

struct fault_fixture : actor_fixture {
  caf::actor make_retained(const std::string& name, const std::string& kind,
                           uint64_t retention, channel_limits limits) {
    channel_decl decl;
    decl.pattern = name;
    decl.kind = kind;
    decl.retention_count = retention;
    return make_declared(decl, limits);
  }

  std::pair<caf::actor, std::shared_ptr<held_inbox>> make_held() {
    auto box = std::make_shared<held_inbox>();
    auto s = sys.spawn(held_recorder, box);
    run();
    return {s, box};
  }

  void subscribe_with_id(const caf::actor& ch, const caf::actor& session,
                         uint64_t sub_id, uint64_t since,
                         const std::string& id_json) {
    subscribe_request req{"", since, std::nullopt, id_json};
    self->send(ch, subscribe_atom::value, session, sub_id, req);
    run();
  }
};

// 10 KB of data: the first catch-up chunk (32 KiB before the session said
// how much room it has) holds three updates.
json big(int n) {
  return json{{"n", n}, {"pad", std::string(10000, 'x')}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(fault_tests, fault_fixture)

CAF_TEST(a trim under a catch-up is reported exactly and never skipped silently) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 2;
  auto ch = make_retained("trades", "stream", 10, limits);
  for (int i = 1; i <= 10; ++i)
    publish(ch, big(i));
  auto [s, box] = make_held();
  subscribe_with_id(ch, s, 4, 1, "\"r1\"");
  CAF_REQUIRE_EQUAL(box->field("subscribed", "recovered"), true);
  CAF_REQUIRE_EQUAL(box->update_seqs(), range(2, 4));
  CAF_REQUIRE_EQUAL(box->waiting_sub, 4u);
  // Six more: retention trims whenever 12 are kept (to 3..12, 5..14,
  // 7..16), while the subscriber still needs 5.
  for (int i = 11; i <= 16; ++i)
    publish(ch, big(i));
  CAF_REQUIRE_EQUAL(ask<channel_info>(ch, info_atom::value).first, 7u);
  self->send(s, tick_atom::value);
  run();
  auto subscribed = box->of_type("subscribed");
  CAF_REQUIRE_EQUAL(subscribed.size(), 2u);
  CAF_CHECK_EQUAL(subscribed[1].at("recovered"), false);
  CAF_CHECK_EQUAL(subscribed[1].at("reason"), "trimmed");
  CAF_CHECK_EQUAL(subscribed[1].at("missing"), json({{"from", 5}, {"to", 6}}));
  CAF_CHECK_EQUAL(subscribed[1].at("id"), "r1");
  // The second `subscribed` comes exactly between seq 4 and seq 6.
  std::vector<std::string> order;
  for (auto& m : box->messages)
    order.push_back(m.at("type") == "update"
                      ? std::to_string(m.at("seq").get<uint64_t>())
                      : m.at("type").get<std::string>());
  CAF_CHECK_EQUAL(order[4], "subscribed");
  CAF_CHECK_EQUAL(order[5], "7");
  while (box->waiting_sub != 0) {
    self->send(s, tick_atom::value);
    run();
  }
  auto seqs = box->update_seqs();
  auto expected = range(2, 4);
  for (auto x : range(7, 16))
    expected.push_back(x);
  CAF_CHECK_EQUAL(seqs, expected);
  publish(ch, big(17));
  CAF_CHECK_EQUAL(box->update_seqs().back(), 17u);
}

CAF_TEST(a trim under a state catch-up ends in a snapshot at the head) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 2;
  // Retention keeps every record after the stored document: stored with
  // every append here, so retention trims as it would a stream.
  limits.state_snapshot_every = 1;
  auto ch = make_retained("dashboard", "state", 10, limits);
  for (int i = 1; i <= 10; ++i)
    publish(ch, big(i));
  auto [s, box] = make_held();
  subscribe_with_id(ch, s, 1, 1, "7");
  CAF_REQUIRE_EQUAL(box->update_seqs(), range(2, 4));
  for (int i = 11; i <= 16; ++i)
    publish(ch, big(i));
  self->send(s, tick_atom::value);
  run();
  auto subscribed = box->of_type("subscribed");
  CAF_REQUIRE_EQUAL(subscribed.size(), 2u);
  CAF_CHECK_EQUAL(subscribed[1].at("missing"), json({{"from", 5}, {"to", 16}}));
  CAF_CHECK_EQUAL(box->field("snapshot", "seq"), 16);
  auto doc = box->field("snapshot", "data");
  CAF_CHECK_EQUAL(doc.value("n", 0), 16);
  CAF_CHECK_EQUAL(box->update_seqs(), range(2, 4));
  publish(ch, big(17));
  CAF_CHECK_EQUAL(box->update_seqs().back(), 17u);
}

CAF_TEST(a store read error ends the subscription on both sides with channel and id) {
  open_store();
  auto limits = test_limits();
  limits.ring_size = 2;
  auto ch = make_retained("trades", "stream", 1000, limits);
  for (int i = 1; i <= 10; ++i)
    publish(ch, {{"n", i}});
  storage::channel_meta meta;
  CAF_REQUIRE(store->load_meta("trades", &meta).ok());
  CAF_REQUIRE(store->raw_db()
                ->Put(rocksdb::WriteOptions{}, store->records_cf(),
                      storage::keys::record_key(meta.id, 3), "\xc1garbage")
                .ok());
  auto [s, box] = make_held();
  subscribe_with_id(ch, s, 9, 1, "\"s9\"");
  auto errors = box->of_type("error");
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].at("channel"), "trades");
  CAF_CHECK_EQUAL(errors[0].at("id"), "s9");
  CAF_CHECK_EQUAL(errors[0].at("code"), "internal");
  CAF_CHECK_EQUAL(box->dropped, std::vector<uint64_t>{9});
  CAF_CHECK_EQUAL(ask<channel_info>(ch, info_atom::value).subscribers, 0u);
  publish(ch, {{"n", 11}});
  CAF_CHECK(box->update_seqs().empty());
}

CAF_TEST(a state document past its size limit is refused publish by publish) {
  open_store();
  auto limits = test_limits();
  limits.max_state_bytes = 100;
  auto ch = make_retained("dashboard", "state", 1000, limits);
  CAF_CHECK_EQUAL(publish(ch, {{"a", std::string(50, 'x')}}).seq, 1u);
  // Three at once: the middle one would take the document to ~140 bytes.
  self->send(ch, publish_atom::value, json{{"c", 1}}.dump());
  self->send(ch, publish_atom::value, json{{"b", std::string(80, 'y')}}.dump());
  self->send(ch, publish_atom::value, json{{"d", 2}}.dump());
  run();
  std::vector<std::string> replies;
  for (int i = 0; i < 3; ++i)
    self->receive(
      [&](publish_ack& ack) { replies.push_back(std::to_string(ack.seq)); },
      [&](caf::error& err) { replies.push_back(error_code(err)); },
      caf::after(std::chrono::seconds(0)) >> [] { CAF_FAIL("missing reply"); });
  CAF_CHECK_EQUAL(replies, (std::vector<std::string>{"2", "too_large", "3"}));
  auto doc = json::parse(ask<state_doc>(ch, state_atom::value).data_json);
  CAF_CHECK(!doc.contains("b"));
  CAF_CHECK_EQUAL(doc.value("d", 0), 2);
  // Shrinking, then growing within the limit, works.
  CAF_CHECK_EQUAL(publish(ch, {{"a", nullptr}}).seq, 4u);
  CAF_CHECK_EQUAL(publish(ch, {{"b", std::string(80, 'y')}}).seq, 5u);
}

CAF_TEST(a session tells its client when a subscribed channel stops) {
  directory_config cfg;
  // The deterministic scheduler fires every pending timeout in run(), so
  // the periodic idle-channel sweep would never let it finish.
  cfg.idle_retire = std::chrono::seconds(0);
  cfg.decls = default_channel_decls();
  cfg.limits = test_limits();
  auto directory = spawn_directory(sys, cfg);
  auto link = std::make_shared<fake_link>();
  session_limits limits;
  auto session = spawn_session(sys, limits, {"n", "s", {}}, link, directory);
  run();
  self->send(session, subscribe_request{"trades", std::nullopt, std::nullopt,
                                        "\"t1\""});
  run();
  auto ch = ask<caf::actor>(directory, get_atom::value, std::string{"trades"});
  self->send_exit(ch, caf::exit_reason::kill);
  run();
  CAF_REQUIRE(!link->frames.empty());
  auto& last = link->frames.back();
  CAF_CHECK_EQUAL(last.at("type"), "error");
  CAF_CHECK_EQUAL(last.at("code"), "unavailable");
  CAF_CHECK_EQUAL(last.at("channel"), "trades");
  CAF_CHECK_EQUAL(last.at("id"), "t1");
  // The subscription is gone: unsubscribing is now `not_subscribed`.
  self->send(session, unsubscribe_request{"trades", "2"});
  run();
  CAF_CHECK_EQUAL(link->frames.back().at("code"), "not_subscribed");
}

CAF_TEST_FIXTURE_SCOPE_END()
