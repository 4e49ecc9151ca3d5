#include "storage/db_options.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/table.h>

namespace tidewire::storage::db_options {

namespace {

// Recent history is served from the channel actors' memory rings; the store
// is read for catch-ups further back, which are sequential scans touching
// each block once. A large cache would mostly hold cold blocks, so one small
// cache is shared by every column family.
constexpr size_t block_cache_bytes = 16 << 20;

// With two column families a WAL file can only be deleted once both have
// flushed the writes it holds. The meta CF is a few keys overwritten on every
// append and rarely fills its memtable on its own, so without a cap the WAL
// would grow to RocksDB's default (4x the total memtable budget, ~1 GiB)
// before a forced flush: that much disk and that much replay on recovery.
constexpr uint64_t max_total_wal_bytes = 128 << 20;

} // namespace

rocksdb::DBOptions db(bool secondary) {
  rocksdb::DBOptions o;
  // The node runs on small machines (2 cores in CI) beside the network and
  // actor threads: one flush and one compaction at a time is plenty for an
  // append-only log and keeps background work from starving the hot path.
  o.max_background_jobs = 2;
  o.max_total_wal_size = max_total_wal_bytes;
  // RocksDB's own info LOG: bounded, it is for post-mortems only.
  o.keep_log_file_num = 4;
  o.max_log_file_size = 8 << 20;
  if (secondary) {
    // A secondary instance must keep every table file open: the primary may
    // delete files after compaction and the secondary would then fail to
    // open them lazily.
    o.max_open_files = -1;
  }
  return o;
}

rocksdb::ColumnFamilyOptions
column_family(const std::string& name,
              const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // No bloom filter: records are only read by range scans, where filters
  // do not help, and the meta CF is small enough to live in the cache.
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Size levels from the last one down: with range deletes dropping whole
  // prefixes of history this keeps space amplification close to 1.1x.
  o.level_compaction_dynamic_level_bytes = true;
  if (name == meta_cf) {
    // Every append rewrites its channel's meta, and a memtable keeps every
    // version until flushed; a smaller memtable bounds that waste and lets
    // the WAL be released sooner.
    o.write_buffer_size = 16 << 20;
  }
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor>
descriptors(const std::vector<std::string>& names,
            const std::shared_ptr<rocksdb::Cache>& cache) {
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  out.reserve(names.size());
  for (const auto& name : names)
    out.emplace_back(name, column_family(name, cache));
  return out;
}

std::shared_ptr<rocksdb::Cache> block_cache() {
  return rocksdb::NewLRUCache(block_cache_bytes);
}

rocksdb::WriteOptions write(durability mode) {
  rocksdb::WriteOptions o;
  switch (mode) {
    case durability::none:
      // Memtable only: gone on a crash unless flushed (RocksDB flushes
      // unlogged data on a clean close).
      o.disableWAL = true;
      break;
    case durability::wal:
      // Appended to the WAL via write(2), no fsync: the page cache holds it,
      // so it survives a process crash but not power loss or a kernel panic.
      o.sync = false;
      break;
    case durability::sync:
      // fdatasync of the WAL before the write returns.
      o.sync = true;
      break;
  }
  return o;
}

} // namespace tidewire::storage::db_options
