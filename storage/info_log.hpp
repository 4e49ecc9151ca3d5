#pragma once

// RocksDB's info LOG for a writing node, written by us instead of RocksDB's
// own file logger.
//
// Why: RocksDB 7.8's logger keeps using its file after a write to it failed,
// and the Debian build (assertions on) aborts the process in
// WritableFileWriter when it does. The LOG lives in the data directory, so a
// full disk took the whole node down with the first log line after ENOSPC.
// This one drops a line it cannot write and carries on.

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace tidewire::storage {

// Appends to `<dir>/LOG` (renamed to LOG.old past 8 MiB), INFO level and
// up; ERROR and FATAL lines also go to stderr ("tidewire: rocksdb: ...").
// Never fails: a LOG that cannot be opened or written loses lines only.
std::shared_ptr<rocksdb::Logger> make_info_log(const std::string& dir);

} // namespace tidewire::storage
