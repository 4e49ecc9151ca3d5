#define CAF_SUITE storage.replay_store

#include "caf/test/unit_test_impl.hpp"

#include "store_fixture.hpp"

#include <rocksdb/db.h>

#include "storage/codec.hpp"
#include "storage/keys.hpp"

using namespace tidewire::storage;
using namespace tidewire::storage::testing;
using std::chrono::milliseconds;
using seq_list = std::vector<uint64_t>;

namespace {

struct fixture {
  temp_dir dir;
  std::unique_ptr<replay_store> store = open_or_fail(writer(dir.sub("data")));

  channel_meta channel(const std::string& name,
                       const std::string& kind = "stream") {
    channel_meta meta;
    REQUIRE_OK(store->create_channel(name, kind, &meta));
    return meta;
  }

  seq_list read_seqs(uint32_t id, uint64_t from, uint64_t to,
                     size_t limit = 1000) {
    std::vector<record> out;
    REQUIRE_OK(store->read(id, from, to, limit, &out));
    return seqs(out);
  }

  channel_meta stored(const std::string& name) {
    channel_meta meta;
    REQUIRE_OK(store->load_meta(name, &meta));
    return meta;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(replay_store_tests, fixture)

CAF_TEST(create_channel gives distinct ids and epochs) {
  auto a = channel("alpha");
  auto b = channel("beta", "state");
  CAF_CHECK_NOT_EQUAL(a.id, b.id);
  CAF_CHECK_NOT_EQUAL(a.epoch, b.epoch);
  CAF_CHECK_EQUAL(a.head, 0u);
  CAF_CHECK_EQUAL(a.first, 1u);
  CAF_CHECK_EQUAL(b.kind, "state");
  // Epochs carry the store id prefix, so another store never repeats them.
  CAF_CHECK_EQUAL(a.epoch.substr(0, 8), store->store_id().substr(0, 8));
  CAF_CHECK_GREATER(a.epoch.size(), 8u);
  channel_meta again;
  CAF_CHECK(store->create_channel("alpha", "stream", &again).IsInvalidArgument());
  channel_meta missing;
  CAF_CHECK(store->load_meta("gamma", &missing).IsNotFound());
}

CAF_TEST(epochs differ between stores) {
  temp_dir other_dir;
  auto other = open_or_fail(writer(other_dir.sub("data")));
  CAF_CHECK_NOT_EQUAL(store->store_id(), other->store_id());
  channel_meta m;
  REQUIRE_OK(other->create_channel("alpha", "stream", &m));
  CAF_CHECK_NOT_EQUAL(m.epoch, channel("alpha").epoch);
}

CAF_TEST(metadata round trip and listing) {
  auto zeta = channel("zeta", "state");
  channel("alpha");
  channel("mid/x");
  zeta.state = R"({"positions":{"AAPL":3}})";
  zeta.head = 1;
  zeta.state_seq = 1;
  zeta.last_ts = 1234;
  REQUIRE_OK(store->append(zeta, {record{1, 1234, R"({"op":"replace"})", ""}}));
  auto back = stored("zeta");
  CAF_CHECK_EQUAL(back.id, zeta.id);
  CAF_CHECK_EQUAL(back.name, "zeta");
  CAF_CHECK_EQUAL(back.kind, "state");
  CAF_CHECK_EQUAL(back.epoch, zeta.epoch);
  CAF_CHECK_EQUAL(back.head, 1u);
  CAF_CHECK_EQUAL(back.first, 1u);
  CAF_CHECK_EQUAL(back.last_ts, 1234);
  CAF_CHECK_EQUAL(back.state, zeta.state);
  CAF_CHECK_EQUAL(back.state_seq, 1u);
  // The document is not in the metadata value every append rewrites.
  std::string raw;
  REQUIRE_OK(store->raw_db()->Get(rocksdb::ReadOptions{}, store->meta_cf(),
                                  keys::channel_key("zeta"), &raw));
  CAF_CHECK_EQUAL(raw.find("AAPL"), std::string::npos);
  // A later append without a document keeps the stored one.
  zeta.state.clear();
  zeta.head = 2;
  REQUIRE_OK(store->append(zeta, {record{2, 1235, R"({"x":1})", ""}}));
  CAF_CHECK_EQUAL(stored("zeta").state, R"({"positions":{"AAPL":3}})");
  CAF_CHECK_EQUAL(stored("zeta").state_seq, 1u);
  // A document claimed past the head is refused.
  zeta.state = "{}";
  zeta.state_seq = 9;
  CAF_CHECK(store->append(zeta, {}).IsInvalidArgument());
  std::vector<channel_meta> all;
  REQUIRE_OK(store->list_channels(&all));
  CAF_REQUIRE_EQUAL(all.size(), 3u);
  CAF_CHECK_EQUAL(all[0].name, "alpha");
  CAF_CHECK_EQUAL(all[1].name, "mid/x");
  CAF_CHECK_EQUAL(all[2].name, "zeta");
}

CAF_TEST(append and read ranges) {
  auto a = channel("a");
  auto b = channel("b");
  REQUIRE_OK(append_records(*store, a, make_records(1, 1)));
  REQUIRE_OK(append_records(*store, b, make_records(1, 3)));
  REQUIRE_OK(append_records(*store, a, make_records(2, 5)));
  REQUIRE_OK(append_records(*store, a, make_records(6, 10)));
  CAF_CHECK_EQUAL(stored("a").head, 10u);
  CAF_CHECK_EQUAL(stored("a").last_ts, 10000);
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 10), seq_list({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  CAF_CHECK_EQUAL(read_seqs(b.id, 1, 10), seq_list({1, 2, 3}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 3, 5), seq_list({3, 4, 5}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 3, 10, 2), seq_list({3, 4}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 9, 50), seq_list({9, 10}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 9, UINT64_MAX), seq_list({9, 10}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 11, 50), seq_list{});
  CAF_CHECK_EQUAL(read_seqs(a.id, 5, 4), seq_list{});
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 10, 0), seq_list{});
  CAF_CHECK_EQUAL(read_seqs(999, 0, UINT64_MAX), seq_list{});
  std::vector<record> one;
  REQUIRE_OK(store->read(a.id, 7, 7, 10, &one));
  CAF_REQUIRE_EQUAL(one.size(), 1u);
  CAF_CHECK_EQUAL(one[0].ts, 7000);
  CAF_CHECK_EQUAL(one[0].data, R"({"n":7})");
  // Chunked catch-up: resume after the last seq of each chunk.
  seq_list all;
  for (uint64_t from = 1;;) {
    auto chunk = read_seqs(a.id, from, 10, 3);
    if (chunk.empty())
      break;
    all.insert(all.end(), chunk.begin(), chunk.end());
    from = chunk.back() + 1;
  }
  CAF_CHECK_EQUAL(all, read_seqs(a.id, 1, 10));
}

CAF_TEST(below min_free_bytes appends and new channels are refused while trims and reads go on) {
  auto a = channel("a");
  REQUIRE_OK(append_records(*store, a, make_records(1, 10)));
  store.reset();
  auto opts = writer(dir.sub("data"));
  opts.min_free_bytes = UINT64_MAX / 2; // more than any disk has
  store = open_or_fail(opts);
  auto meta = stored("a");
  auto s = append_records(*store, meta, make_records(11, 11));
  CAF_CHECK(s.IsNoSpace());
  channel_meta b;
  CAF_CHECK(store->create_channel("b", "stream", &b).IsNoSpace());
  // A refusal by headroom writes nothing and does not stop the store:
  // nothing for resume() to do, and a trim (which frees room) still runs.
  CAF_CHECK(!store->writes_stopped());
  REQUIRE_OK(store->resume());
  REQUIRE_OK(store->trim(&meta, 4, milliseconds{0}, 0));
  CAF_CHECK_EQUAL(stored("a").first, 7u);
  CAF_CHECK_EQUAL(stored("a").head, 10u);
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 20), seq_list({7, 8, 9, 10}));
}

CAF_TEST(reads stop before the record that passes max_bytes) {
  auto a = channel("a");
  REQUIRE_OK(append_records(*store, a, make_records(1, 10))); // 7 B each to 9
  auto read_bytes = [&](uint64_t from, uint64_t max_bytes) {
    std::vector<record> out;
    REQUIRE_OK(store->read(a.id, from, 10, 100, &out, max_bytes));
    return seqs(out);
  };
  CAF_CHECK_EQUAL(read_bytes(1, 20), seq_list({1, 2}));
  CAF_CHECK_EQUAL(read_bytes(1, 21), seq_list({1, 2, 3}));
  CAF_CHECK_EQUAL(read_bytes(4, 14), seq_list({4, 5}));
  // The first record comes back even when it alone is too big.
  CAF_CHECK_EQUAL(read_bytes(5, 0), seq_list({5}));
  CAF_CHECK_EQUAL(read_bytes(9, 1000), seq_list({9, 10}));
}

CAF_TEST(append rejects inconsistent batches) {
  auto a = channel("a");
  auto meta = a;
  meta.head = 3;
  CAF_CHECK(store->append(meta, {record{1, 0, "", ""}, record{3, 0, "", ""}})
              .IsInvalidArgument());
  meta.head = 5;
  CAF_CHECK(store->append(meta, make_records(1, 3)).IsInvalidArgument());
  CAF_CHECK_EQUAL(read_seqs(a.id, 0, 100), seq_list{});
}

CAF_TEST(retention by count) {
  auto a = channel("a");
  REQUIRE_OK(append_records(*store, a, make_records(1, 10)));
  REQUIRE_OK(store->trim(&a, 4, milliseconds{0}, 0));
  CAF_CHECK_EQUAL(a.first, 7u);
  CAF_CHECK_EQUAL(stored("a").first, 7u);
  // Ranges spanning trimmed records return what is left.
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 10), seq_list({7, 8, 9, 10}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 2, 8), seq_list({7, 8}));
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 6), seq_list{});
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 10, 1), seq_list({7}));
  // Within the limit: nothing changes.
  REQUIRE_OK(store->trim(&a, 4, milliseconds{0}, 0));
  CAF_CHECK_EQUAL(a.first, 7u);
  REQUIRE_OK(append_records(*store, a, make_records(11, 12)));
  REQUIRE_OK(store->trim(&a, 4, milliseconds{0}, 0));
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 100), seq_list({9, 10, 11, 12}));
}

CAF_TEST(retention by age) {
  auto a = channel("a");
  auto b = channel("b");
  REQUIRE_OK(append_records(*store, a, make_records(1, 10))); // ts = seq s
  REQUIRE_OK(append_records(*store, b, make_records(1, 3)));
  // now 10.5 s, max age 5 s: ts < 5500 goes, seq 6 (ts 6000) is first kept.
  REQUIRE_OK(store->trim(&a, 0, milliseconds{5000}, 10'500));
  CAF_CHECK_EQUAL(a.first, 6u);
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 10), seq_list({6, 7, 8, 9, 10}));
  // A boundary record exactly max_age old is kept.
  REQUIRE_OK(store->trim(&a, 0, milliseconds{3000}, 10'000));
  CAF_CHECK_EQUAL(a.first, 7u);
  // Everything too old: nothing retained, first = head + 1.
  REQUIRE_OK(store->trim(&a, 0, milliseconds{1000}, 100'000));
  CAF_CHECK_EQUAL(a.first, 11u);
  CAF_CHECK_EQUAL(stored("a").first, 11u);
  CAF_CHECK_EQUAL(read_seqs(a.id, 0, UINT64_MAX), seq_list{});
  // Trimming one channel never touches its neighbour.
  CAF_CHECK_EQUAL(read_seqs(b.id, 0, UINT64_MAX), seq_list({1, 2, 3}));
  // History continues after a full trim.
  REQUIRE_OK(append_records(*store, a, make_records(11, 12)));
  CAF_CHECK_EQUAL(stored("a").first, 11u);
  CAF_CHECK_EQUAL(read_seqs(a.id, 0, UINT64_MAX), seq_list({11, 12}));
}

CAF_TEST(retention by count and age keeps the stricter) {
  auto a = channel("a");
  REQUIRE_OK(append_records(*store, a, make_records(1, 20)));
  // Count keeps 15..20, age keeps 12..20: count wins.
  REQUIRE_OK(store->trim(&a, 6, milliseconds{8000}, 20'000));
  CAF_CHECK_EQUAL(a.first, 15u);
  // Count keeps 15..20 (6), age keeps 18..20: age wins.
  REQUIRE_OK(store->trim(&a, 6, milliseconds{2000}, 20'000));
  CAF_CHECK_EQUAL(a.first, 18u);
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 20), seq_list({18, 19, 20}));
}

CAF_TEST(a corrupted record value reads back as corruption) {
  auto a = channel("a");
  REQUIRE_OK(append_records(*store, a, make_records(1, 3)));
  REQUIRE_OK(store->raw_db()->Put(rocksdb::WriteOptions{}, store->records_cf(),
                                  keys::record_key(a.id, 2), "\xc1garbage"));
  std::vector<record> out;
  auto s = store->read(a.id, 1, 3, 10, &out);
  CAF_CHECK(s.IsCorruption());
  CAF_CHECK(contains(s, "record " + std::to_string(a.id) + "/2"));
  // Records before the damage are still readable on their own.
  CAF_CHECK_EQUAL(read_seqs(a.id, 1, 1), seq_list({1}));
  // A valid record under the wrong key is corruption too.
  REQUIRE_OK(store->raw_db()->Put(rocksdb::WriteOptions{}, store->records_cf(),
                                  keys::record_key(a.id, 3),
                                  codec::encode(record{99, 0, "{}", ""})));
  CAF_CHECK(store->read(a.id, 3, 3, 10, &out).IsCorruption());
  // So is damaged metadata.
  REQUIRE_OK(store->raw_db()->Put(rocksdb::WriteOptions{}, store->meta_cf(),
                                  keys::channel_key("a"), "\x93"));
  channel_meta meta;
  CAF_CHECK(store->load_meta("a", &meta).IsCorruption());
}

CAF_TEST(every durability mode appends and reads) {
  for (auto mode : {durability::none, durability::wal, durability::sync}) {
    temp_dir d;
    {
      auto s = open_or_fail(writer(d.sub("data"), mode));
      channel_meta m;
      REQUIRE_OK(s->create_channel("c", "stream", &m));
      REQUIRE_OK(append_records(*s, m, make_records(1, 64)));
      std::vector<record> out;
      REQUIRE_OK(s->read(m.id, 1, 64, 100, &out));
      CAF_CHECK_EQUAL(out.size(), 64u);
    }
    // A clean close keeps even unlogged (none) writes: RocksDB flushes them.
    auto s = open_or_fail(writer(d.sub("data"), mode));
    channel_meta m;
    REQUIRE_OK(s->load_meta("c", &m));
    CAF_CHECK_EQUAL(m.head, 64u);
    std::vector<record> out;
    REQUIRE_OK(s->read(m.id, 1, 64, 100, &out));
    CAF_CHECK_EQUAL(out.size(), 64u);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
