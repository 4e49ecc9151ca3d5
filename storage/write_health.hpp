#pragma once

// Whether the replay store accepts writes, and how it gets back to it after
// a full disk. Private to storage/ (replay_store's public calls are
// writes_stopped() and resume()).
//
// RocksDB 7.8 answers a failed WAL write or flush (ENOSPC) with a "hard"
// background error: every later write fails until DB::Resume() succeeds.
// Left to itself it would resume automatically through its SstFileManager,
// which waits for a whole memtable's worth of free space (64 MiB here) and
// meanwhile answers every manual Resume() with Busy, so on a small disk the
// store never came back. The listener below turns that automatic recovery
// off; the store writer actor calls resume() on a timer instead.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/listener.h>
#include <rocksdb/status.h>

namespace tidewire::storage {

// Shared by the store and its RocksDB listener (which may run on RocksDB's
// threads, and may outlive neither: both hold it).
struct write_health {
  // Writes are refused until resume() succeeds.
  std::atomic<bool> stopped{false};
  // The error that stopped them was "no space".
  std::atomic<bool> no_space{false};

  void stop(const rocksdb::Status& cause) {
    no_space.store(cause.IsNoSpace()
                   || (cause.IsIOError()
                       && cause.subcode() == rocksdb::Status::kSpaceLimit));
    stopped.store(true);
  }
};

// Marks `health` stopped on every background error that stops writes, and
// turns RocksDB's automatic recovery off.
std::shared_ptr<rocksdb::EventListener>
make_error_listener(std::shared_ptr<write_health> health);

// Free bytes for an unprivileged writer on the filesystem holding `path`;
// UINT64_MAX when it cannot be asked (then free space never refuses).
uint64_t free_bytes(const std::string& path);

} // namespace tidewire::storage
