#pragma once

// RocksDB configuration of the replay store, in one place.

#include <memory>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "storage/replay_store.hpp"

namespace tidewire::storage::db_options {

inline constexpr const char* records_cf = "records";
inline constexpr const char* meta_cf = "meta";

// Options for the DB as a whole. `secondary`: a read-only follower.
rocksdb::DBOptions db(bool secondary);

// Options for column family `name`; every CF of the store shares `cache`.
rocksdb::ColumnFamilyOptions
column_family(const std::string& name,
              const std::shared_ptr<rocksdb::Cache>& cache);

// One descriptor per name, with column_family() options.
std::vector<rocksdb::ColumnFamilyDescriptor>
descriptors(const std::vector<std::string>& names,
            const std::shared_ptr<rocksdb::Cache>& cache);

std::shared_ptr<rocksdb::Cache> block_cache();

// How an append or trim is written for durability mode `mode`.
rocksdb::WriteOptions write(durability mode);

} // namespace tidewire::storage::db_options
