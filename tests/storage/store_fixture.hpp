#pragma once

// Shared helpers of the storage suites: a temporary directory removed at the
// end of each test, and checks that print a failed Status.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "caf/test/unit_test.hpp"

#include "storage/replay_store.hpp"

#define REQUIRE_OK(expr)                                                       \
  do {                                                                         \
    auto st___ = (expr);                                                       \
    if (!st___.ok())                                                           \
      CAF_FAIL(#expr << " failed: " << st___.ToString());                     \
  } while (false)

namespace tidewire::storage::testing {

// mkdtemp'ed directory, removed with everything inside on destruction.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = "/tmp/tidewire-storage-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      CAF_FAIL("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out{path, std::ios::binary};
  out << content;
}

inline bool contains(const rocksdb::Status& s, const std::string& text) {
  return s.ToString().find(text) != std::string::npos;
}

inline open_options writer(const std::string& path,
                           durability mode = durability::wal) {
  open_options opts;
  opts.path = path;
  opts.mode = mode;
  return opts;
}

inline std::unique_ptr<replay_store> open_or_fail(const open_options& opts) {
  std::unique_ptr<replay_store> store;
  REQUIRE_OK(replay_store::open(opts, &store));
  return store;
}

// Records seq first..last of a channel, ts = seq * 1000, data = {"n":seq}.
inline std::vector<record> make_records(uint64_t first, uint64_t last) {
  std::vector<record> out;
  for (auto seq = first; seq <= last; ++seq)
    out.push_back(record{seq, static_cast<int64_t>(seq) * 1000,
                         "{\"n\":" + std::to_string(seq) + "}", ""});
  return out;
}

// Appends `records` to the channel `meta`, advancing its head and last_ts.
inline rocksdb::Status append_records(replay_store& store, channel_meta& meta,
                                      const std::vector<record>& records) {
  channel_meta next = meta;
  next.head = records.back().seq;
  next.last_ts = records.back().ts;
  auto s = store.append(next, records);
  if (s.ok())
    meta = next;
  return s;
}

inline std::vector<uint64_t> seqs(const std::vector<record>& records) {
  std::vector<uint64_t> out;
  for (const auto& r : records)
    out.push_back(r.seq);
  return out;
}

} // namespace tidewire::storage::testing
