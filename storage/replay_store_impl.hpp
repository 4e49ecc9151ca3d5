#pragma once

// Private state of replay_store, shared by its translation units
// (open_store.cpp opens, replay_store.cpp reads and writes).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "storage/replay_store.hpp"
#include "storage/write_health.hpp"

namespace tidewire::storage {

// The state lives in a namespace-scope struct so the helpers of
// open_store.cpp can take it; replay_store::impl itself is private.
struct store_state {
  open_options opts;
  std::shared_ptr<rocksdb::Cache> cache;
  // Every column family of the DB (RocksDB requires opening all of them);
  // destroyed before `db` is closed.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::WriteOptions write_opts;
  std::string store_id;
  // A secondary_path we created ourselves and remove on close.
  std::string owned_secondary_dir;

  // Serialises channel id allocation in create_channel().
  std::mutex create_mutex;
  uint32_t next_id = 1;

  // A writer records "open:<mode>" at open and "clean" when it closes.
  bool marks_runs = false;
  bool epochs_renewed = false;

  // Whether writes are accepted (write_health.hpp); shared with the
  // RocksDB listener installed at open.
  std::shared_ptr<write_health> health = std::make_shared<write_health>();

  store_state() = default;
  store_state(const store_state&) = delete;
  store_state& operator=(const store_state&) = delete;
  // Releases the handles, closes the DB, removes owned_secondary_dir.
  ~store_state();
};

struct replay_store::impl : store_state {};

// Writes `batch` with the store's write options, unless writes are stopped
// (a failed write, see write_health.hpp) or, for a batch that `grows` the
// store (appends, new channels; not trims), the data directory has less than
// open_options::min_free_bytes free: then Status::NoSpace (or the IOError
// that stopped writes) and nothing is written.
rocksdb::Status write_batch(store_state& d, rocksdb::WriteBatch& batch,
                            bool grows);

// Gives every stored channel a new epoch (one synced WriteBatch).
rocksdb::Status renew_all_epochs(store_state& d);

} // namespace tidewire::storage
