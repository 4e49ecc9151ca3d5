#pragma once

// Filesystem checks done before RocksDB touches a data directory, so a
// refusal comes with a message an operator can act on and so nothing is ever
// created inside a directory that is not ours.

#include <string>

#include <rocksdb/status.h>

namespace tidewire::storage::data_dir {

enum class kind {
  empty,   // absent (now created) or an empty directory: create a new store
  rocksdb, // has a RocksDB CURRENT file: open it and check the marker
  foreign, // non-empty without CURRENT: never ours
};

// For a writer: makes sure `path` is a writable directory (creating it and
// its parents when absent) and classifies its content. IOError
// "data directory X is not writable: ..." otherwise.
[[nodiscard]] rocksdb::Status prepare_for_writer(const std::string& path,
                                                 kind* out);

// For a reader: `path` must be an existing directory; creates nothing.
[[nodiscard]] rocksdb::Status inspect_for_reader(const std::string& path,
                                                 kind* out);

// Creates a fresh directory under the system temp dir named
// `<prefix>XXXXXX`; the caller owns and removes it.
[[nodiscard]] rocksdb::Status make_temp_dir(const std::string& prefix,
                                            std::string* out);

// Recursively removes `path`; errors are ignored (best-effort cleanup).
void remove_tree(const std::string& path) noexcept;

} // namespace tidewire::storage::data_dir
