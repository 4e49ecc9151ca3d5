#define CAF_SUITE actors.state_doc
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include <rocksdb/db.h>

#include "actors/errors.hpp"
#include "storage/keys.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

namespace {

// Channel metadata as stores wrote it before document snapshots.
struct old_meta {
  uint32_t id;
  std::string name, kind, epoch;
  uint64_t head, first;
  int64_t last_ts;
  std::string state;
  MSGPACK_DEFINE_MAP(id, name, kind, epoch, head, first, last_ts, state);
};

struct state_fixture : actor_fixture {
  state_fixture() {
    open_store();
  }

  static channel_limits snapshot_every(uint64_t n) {
    auto limits = test_limits();
    limits.state_snapshot_every = n;
    limits.state_snapshot_interval = std::chrono::hours(1);
    return limits;
  }

  storage::channel_meta stored(const std::string& name) {
    storage::channel_meta meta;
    CAF_REQUIRE(store->load_meta(name, &meta).ok());
    return meta;
  }

  // The raw metadata value: what every append rewrites.
  size_t raw_meta_size(const std::string& name) {
    std::string value;
    CAF_REQUIRE(store->raw_db()
                  ->Get(rocksdb::ReadOptions{}, store->meta_cf(),
                        storage::keys::channel_key(name), &value)
                  .ok());
    return value.size();
  }

  json document(const caf::actor& ch) {
    return json::parse(ask<state_doc>(ch, state_atom::value).data_json);
  }

  // Stops a channel as kill -9 would: no exit handler runs, nothing more
  // is written.
  void kill(const caf::actor& ch) {
    anon_send_exit(ch, caf::exit_reason::kill);
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(state_doc_tests, state_fixture)

CAF_TEST(appends store patches; the document is stored every N records) {
  auto ch = make_channel("dashboard", "state", snapshot_every(5));
  publish(ch, {{"big", std::string(20'000, 'x')}});
  for (int i = 1; i <= 3; ++i)
    publish(ch, {{"n", i}});
  // Four appends, no snapshot yet: the metadata stays small although the
  // document is 20 kB (before, it carried the document every time).
  CAF_CHECK_EQUAL(stored("dashboard").state_seq, 0u);
  CAF_CHECK_LESS(raw_meta_size("dashboard"), 200u);
  publish(ch, {{"n", 4}}); // the fifth record takes the snapshot along
  auto meta = stored("dashboard");
  CAF_CHECK_EQUAL(meta.state_seq, 5u);
  CAF_CHECK_EQUAL(json::parse(meta.state),
                  json({{"big", std::string(20'000, 'x')}, {"n", 4}}));
  CAF_CHECK_LESS(raw_meta_size("dashboard"), 200u);
  publish(ch, {{"n", 5}});
  CAF_CHECK_EQUAL(stored("dashboard").state_seq, 5u);
}

CAF_TEST(after a kill the snapshot plus the records after it rebuild the document) {
  auto ch = make_channel("dashboard", "state", snapshot_every(4));
  json want = json::object();
  for (int i = 1; i <= 10; ++i) {
    json patch = {{"k" + std::to_string(i % 3), i}, {"nested", {{"v", i}}}};
    if (i == 7)
      patch["k1"] = nullptr;
    publish(ch, patch);
    want.merge_patch(patch);
  }
  CAF_CHECK_EQUAL(stored("dashboard").state_seq, 8u); // 9 and 10 only as patches
  kill(ch);
  CAF_CHECK_EQUAL(stored("dashboard").state_seq, 8u); // nothing written at exit
  close_store();
  open_store();
  auto again = make_channel("dashboard", "state", snapshot_every(4));
  CAF_CHECK_EQUAL(ask<state_doc>(again, state_atom::value).seq, 10u);
  CAF_CHECK_EQUAL(document(again), want);
  // And it goes on from there: the next snapshot comes 4 records after 8.
  publish(again, {{"k0", "x"}});
  publish(again, {{"k0", "y"}});
  CAF_CHECK_EQUAL(stored("dashboard").state_seq, 12u);
  want.merge_patch(json{{"k0", "y"}});
  CAF_CHECK_EQUAL(json::parse(stored("dashboard").state), want);
}

CAF_TEST(a clean stop stores the document so a start has nothing to re-apply) {
  auto ch = make_channel("dashboard", "state", snapshot_every(100));
  publish(ch, {{"a", 1}});
  publish(ch, {{"b", 2}});
  CAF_CHECK_EQUAL(stored("dashboard").state_seq, 0u);
  anon_send_exit(ch, caf::exit_reason::user_shutdown);
  run();
  auto meta = stored("dashboard");
  CAF_CHECK_EQUAL(meta.state_seq, 2u);
  CAF_CHECK_EQUAL(json::parse(meta.state), json({{"a", 1}, {"b", 2}}));
}

CAF_TEST(retention never trims the records after the latest snapshot) {
  auto limits = snapshot_every(10);
  channel_decl decl{"dashboard", "state"};
  decl.retention_count = 3;
  auto ch = make_declared(decl, limits);
  for (int i = 1; i <= 15; ++i)
    publish(ch, {{"n", i}});
  // Snapshot at 10: 11..15 must stay although retention keeps 3.
  auto meta = stored("dashboard");
  CAF_CHECK_EQUAL(meta.state_seq, 10u);
  CAF_CHECK_EQUAL(meta.head, 15u);
  CAF_CHECK_EQUAL(meta.first, 11u);
  kill(ch);
  close_store();
  open_store();
  auto again = make_declared(decl, limits);
  CAF_CHECK_EQUAL(document(again), json({{"n", 15}}));
  // The store refuses the trim too, whatever the caller asks for.
  auto m = stored("dashboard");
  m.state.clear();
  CAF_REQUIRE(store->trim(&m, 1, std::chrono::milliseconds(0), 0).ok());
  CAF_CHECK_EQUAL(m.first, 11u);
}

CAF_TEST(a store written before snapshots keeps its document) {
  // The old layout: the document at head inside the metadata.
  auto ch = make_channel("dashboard", "state", snapshot_every(100));
  publish(ch, {{"a", 1}});
  kill(ch);
  auto legacy = stored("dashboard");
  legacy.state = R"({"a":1,"old":true})";
  legacy.state_seq = 0;
  {
    // Written raw, as the old code did.
    std::string value;
    msgpack::sbuffer buf;
    old_meta old{legacy.id,   legacy.name,  legacy.kind,    legacy.epoch,
                 legacy.head, legacy.first, legacy.last_ts, legacy.state};
    msgpack::pack(buf, old);
    CAF_REQUIRE(store->raw_db()
                  ->Put(rocksdb::WriteOptions{}, store->meta_cf(),
                        storage::keys::channel_key("dashboard"),
                        rocksdb::Slice{buf.data(), buf.size()})
                  .ok());
  }
  auto again = make_channel("dashboard", "state", snapshot_every(100));
  CAF_CHECK_EQUAL(document(again), json({{"a", 1}, {"old", true}}));
  publish(again, {{"b", 2}}); // an append without a snapshot
  kill(again);
  close_store();
  open_store();
  auto third = make_channel("dashboard", "state", snapshot_every(100));
  CAF_CHECK_EQUAL(document(third), json({{"a", 1}, {"old", true}, {"b", 2}}));
}

CAF_TEST(too_large is decided publish by publish within a batch) {
  auto limits = snapshot_every(100);
  limits.max_state_bytes = 100;
  auto ch = make_channel("dashboard", "state", limits);
  // Three publishes in one group commit: the middle one would pass 100 B.
  self->send(ch, publish_atom::value, json({{"a", std::string(40, 'a')}}).dump());
  self->send(ch, publish_atom::value, json({{"b", std::string(60, 'b')}}).dump());
  self->send(ch, publish_atom::value, json({{"c", 1}}).dump());
  run();
  int acks = 0, too_large = 0;
  for (int i = 0; i < 3; ++i)
    self->receive([&](publish_ack&) { ++acks; },
                  [&](caf::error& err) {
                    if (err.code() == static_cast<uint8_t>(errc::too_large))
                      ++too_large;
                  },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(acks, 2);
  CAF_CHECK_EQUAL(too_large, 1);
  CAF_CHECK_EQUAL(document(ch), json({{"a", std::string(40, 'a')}, {"c", 1}}));
  // The working copy was not left with the refused patch in it.
  publish(ch, {{"d", 2}});
  CAF_CHECK_EQUAL(document(ch),
                  json({{"a", std::string(40, 'a')}, {"c", 1}, {"d", 2}}));
}

CAF_TEST_FIXTURE_SCOPE_END()
