#define CAF_SUITE storage.open

#include "caf/test/unit_test_impl.hpp"

#include "store_fixture.hpp"

#include <rocksdb/db.h>

#include "storage/keys.hpp"

using namespace tidewire::storage;
using namespace tidewire::storage::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator{dir})
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

rocksdb::Status try_open(const open_options& opts) {
  std::unique_ptr<replay_store> store;
  return replay_store::open(opts, &store);
}

open_options reader(const std::string& path,
                    const std::string& secondary_path = {}) {
  open_options opts;
  opts.path = path;
  opts.read_only = true;
  opts.secondary_path = secondary_path;
  return opts;
}

} // namespace

CAF_TEST(a new store is created with its marker) {
  temp_dir dir;
  auto path = dir.sub("nested/data");
  auto store = open_or_fail(writer(path));
  CAF_CHECK(fs::exists(path + "/CURRENT"));
  CAF_CHECK_EQUAL(store->store_id().size(), 16u);
  CAF_CHECK(!store->read_only());
  std::string format;
  REQUIRE_OK(store->raw_db()->Get(rocksdb::ReadOptions{}, store->meta_cf(),
                                  std::string{keys::format}, &format));
  CAF_CHECK_EQUAL(format, "1");
}

CAF_TEST(reopen keeps head epoch state and ids) {
  temp_dir dir;
  auto path = dir.sub("data");
  channel_meta before;
  std::string store_id;
  {
    auto store = open_or_fail(writer(path));
    store_id = store->store_id();
    REQUIRE_OK(store->create_channel("dash", "state", &before));
    before.state = R"({"total":42})";
    REQUIRE_OK(append_records(*store, before, make_records(1, 5)));
  }
  auto store = open_or_fail(writer(path));
  CAF_CHECK_EQUAL(store->store_id(), store_id);
  channel_meta after;
  REQUIRE_OK(store->load_meta("dash", &after));
  CAF_CHECK_EQUAL(after.id, before.id);
  CAF_CHECK_EQUAL(after.epoch, before.epoch);
  CAF_CHECK_EQUAL(after.head, 5u);
  CAF_CHECK_EQUAL(after.last_ts, 5000);
  CAF_CHECK_EQUAL(after.state, R"({"total":42})");
  std::vector<record> out;
  REQUIRE_OK(store->read(after.id, 1, 5, 10, &out));
  CAF_CHECK_EQUAL(seqs(out), std::vector<uint64_t>({1, 2, 3, 4, 5}));
  // Channel ids are never reused after a restart.
  channel_meta next;
  REQUIRE_OK(store->create_channel("other", "stream", &next));
  CAF_CHECK_GREATER(next.id, before.id);
}

CAF_TEST(a second writer is refused while the store is open) {
  temp_dir dir;
  auto path = dir.sub("data");
  auto first = open_or_fail(writer(path));
  auto s = try_open(writer(path));
  CAF_CHECK(!s.ok());
  CAF_CHECK(contains(s, "data directory " + path
                          + " is in use by another tidewire node"));
  // The refused open left the first instance working.
  channel_meta m;
  REQUIRE_OK(first->create_channel("c", "stream", &m));
  REQUIRE_OK(append_records(*first, m, make_records(1, 2)));
  first.reset();
  REQUIRE_OK(try_open(writer(path)));
}

CAF_TEST(a directory with other files is not a tidewire store) {
  temp_dir dir;
  auto path = dir.sub("data");
  fs::create_directories(path);
  write_file(path + "/notes.txt", "hello");
  write_file(path + "/000001.log", "not really a log");
  auto before = listing(path);
  auto s = try_open(writer(path));
  CAF_CHECK(contains(s, path + " is not a tidewire store"));
  CAF_CHECK_EQUAL(listing(path), before); // nothing created in it
  s = try_open(reader(path, dir.sub("secondary")));
  CAF_CHECK(contains(s, path + " is not a tidewire store"));
}

CAF_TEST(a plain rocksdb database is not a tidewire store) {
  temp_dir dir;
  auto path = dir.sub("data");
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE_OK(rocksdb::DB::Open(o, path, &raw));
    std::unique_ptr<rocksdb::DB> db{raw};
    REQUIRE_OK(db->Put(rocksdb::WriteOptions{}, "key", "value"));
  }
  auto s = try_open(writer(path));
  CAF_CHECK(contains(s, path + " is not a tidewire store"));
}

CAF_TEST(a newer store format is refused) {
  temp_dir dir;
  auto path = dir.sub("data");
  {
    auto store = open_or_fail(writer(path));
    REQUIRE_OK(store->raw_db()->Put(rocksdb::WriteOptions{}, store->meta_cf(),
                                    std::string{keys::format}, "2"));
  }
  auto s = try_open(writer(path));
  CAF_CHECK(s.IsNotSupported());
  CAF_CHECK(contains(s, path + " has store format 2, this build reads up to 1"));
  s = try_open(reader(path));
  CAF_CHECK(contains(s, path + " has store format 2, this build reads up to 1"));
}

CAF_TEST(an unwritable data directory is refused) {
  // Tests run as root, which ignores permission bits: use a path whose
  // parent is a regular file instead.
  temp_dir dir;
  write_file(dir.sub("file"), "x");
  auto path = dir.sub("file/sub");
  auto s = try_open(writer(path));
  CAF_CHECK(contains(s, "data directory " + path + " is not writable: "));
  // The data directory itself being a file.
  s = try_open(writer(dir.sub("file")));
  CAF_CHECK(contains(s, "data directory " + dir.sub("file")
                          + " is not writable: "));
}

CAF_TEST(a reader never creates a store) {
  temp_dir dir;
  auto s = try_open(reader(dir.sub("absent"), dir.sub("secondary")));
  CAF_CHECK(s.IsNotFound());
  CAF_CHECK(!fs::exists(dir.sub("absent")));
  fs::create_directories(dir.sub("empty"));
  s = try_open(reader(dir.sub("empty"), dir.sub("secondary")));
  CAF_CHECK(contains(s, "is not a tidewire store"));
  CAF_CHECK(fs::is_empty(dir.sub("empty")));
}

CAF_TEST(a secondary follows the open writer after refresh) {
  temp_dir dir;
  auto path = dir.sub("data");
  auto primary = open_or_fail(writer(path));
  channel_meta m;
  REQUIRE_OK(primary->create_channel("ticks", "stream", &m));
  REQUIRE_OK(append_records(*primary, m, make_records(1, 5)));

  auto secondary = open_or_fail(reader(path, dir.sub("secondary")));
  CAF_CHECK(secondary->read_only());
  CAF_CHECK_EQUAL(secondary->store_id(), primary->store_id());
  channel_meta seen;
  REQUIRE_OK(secondary->load_meta("ticks", &seen));
  CAF_CHECK_EQUAL(seen.head, 5u);

  // The primary stays writable while the secondary is open.
  REQUIRE_OK(append_records(*primary, m, make_records(6, 12)));
  REQUIRE_OK(secondary->refresh());
  REQUIRE_OK(secondary->load_meta("ticks", &seen));
  CAF_CHECK_EQUAL(seen.head, 12u);
  std::vector<record> out;
  REQUIRE_OK(secondary->read(m.id, 1, 100, 100, &out));
  CAF_CHECK_EQUAL(out.size(), 12u);

  // Also after the writer flushed its memtables to table files.
  REQUIRE_OK(append_records(*primary, m, make_records(13, 20)));
  REQUIRE_OK(primary->raw_db()->Flush(rocksdb::FlushOptions{},
                                      primary->records_cf()));
  REQUIRE_OK(primary->raw_db()->Flush(rocksdb::FlushOptions{},
                                      primary->meta_cf()));
  REQUIRE_OK(secondary->refresh());
  REQUIRE_OK(secondary->read(m.id, 1, 100, 100, &out));
  CAF_CHECK_EQUAL(out.size(), 20u);

  // The reader refuses writes and never wrote into the primary directory.
  channel_meta no;
  CAF_CHECK(secondary->create_channel("x", "stream", &no).IsNotSupported());
  CAF_CHECK(secondary->append(seen, {}).IsNotSupported());
  for (const auto& name : listing(path))
    CAF_CHECK(name.find("secondary") == std::string::npos);
  REQUIRE_OK(primary->refresh()); // no-op on a writer
}

CAF_TEST(a secondary without a path uses and removes a temp dir) {
  temp_dir dir;
  auto path = dir.sub("data");
  auto primary = open_or_fail(writer(path));
  // Point the system temp dir at our own directory so the count below sees
  // only this test's secondary.
  auto tmp = dir.sub("tmp");
  fs::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  std::string saved = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  {
    auto secondary = open_or_fail(reader(path));
    CAF_CHECK_EQUAL(listing(tmp).size(), 1u);
    if (listing(tmp).size() == 1)
      CAF_CHECK_EQUAL(listing(tmp)[0].rfind("tidewire-secondary-", 0), 0u);
  }
  CAF_CHECK(listing(tmp).empty());
  if (old_tmpdir)
    ::setenv("TMPDIR", saved.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
}
