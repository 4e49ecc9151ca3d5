#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/status.h>

#include "storage/record.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
} // namespace rocksdb

namespace tidewire::storage {

enum class durability {
  none, // nothing is written: the node keeps history in memory only
  wal,  // RocksDB WAL without fsync: survives a process crash, not power loss
  sync, // fsync before an append returns: survives power loss
};

struct open_options {
  std::string path;
  durability mode = durability::wal;
  // Read-only inspection of a store another process may be writing (the
  // replay tool). Opened as a RocksDB secondary instance whose own files live
  // in `secondary_path`; never takes the writer's lock.
  bool read_only = false;
  std::string secondary_path;
  // Where the kernel boot id is read; tests point it at a file of their
  // own (the node takes it from TIDEWIRE_BOOT_ID_FILE). Empty: the
  // kernel's, /proc/sys/kernel/random/boot_id.
  std::string boot_id_path;
  // Appends and new channels are refused (Status::NoSpace) while the data
  // directory's filesystem has less than this free, so RocksDB keeps room
  // for its flushes and compactions; 0 turns the check off.
  uint64_t min_free_bytes = 0;
};

// The on-disk format version this build writes. A store with a newer version
// is refused at open.
inline constexpr uint32_t format_version = 1;

// The replay store: one RocksDB instance per node holding every channel's
// history (`channel id | big-endian seq` -> msgpack record) and metadata.
//
// Thread-safety: all members may be called from any thread (RocksDB is
// thread-safe); the node calls writes from one storage actor only.
// Nothing here throws; every failure is a rocksdb::Status.
class replay_store {
public:
  // Opens (creating when absent and not read_only) the store at `opts.path`.
  // Refuses, with a Status whose message names the reason, a directory that
  // is not writable, is held by another node (the RocksDB LOCK), is not a
  // tidewire store, or has a newer format_version.
  [[nodiscard]] static rocksdb::Status
  open(const open_options& opts, std::unique_ptr<replay_store>* out);

  ~replay_store();
  replay_store(const replay_store&) = delete;
  replay_store& operator=(const replay_store&) = delete;

  // Random id of this store, fixed at creation. Epochs are derived from it,
  // so a wiped store yields new epochs.
  const std::string& store_id() const;

  // Loads the metadata of `name`, with a state channel's document snapshot in
  // meta.state (at meta.state_seq; empty: none yet, the empty document);
  // Status::NotFound when the channel has none.
  [[nodiscard]] rocksdb::Status load_meta(const std::string& name,
                                          channel_meta* out) const;

  // Creates metadata for a new channel (new id, new random epoch, head 0)
  // and persists it. Status::InvalidArgument when `name` already exists
  // (call load_meta first); ids are never reused, also across restarts.
  [[nodiscard]] rocksdb::Status create_channel(const std::string& name,
                                               const std::string& kind,
                                               channel_meta* out);

  // load_meta, or create_channel when `name` has none. A channel stored
  // before document snapshots existed (its document, at head, inside the
  // metadata) has the document moved to its own key first.
  [[nodiscard]] rocksdb::Status open_channel(const std::string& name,
                                             const std::string& kind,
                                             channel_meta* out);

  // Forgets a channel that never had an update (stored head 0): its
  // metadata goes, so a restart does not bring the name back. Its id is not
  // reused. Status::InvalidArgument when it has updates; OK when unknown.
  [[nodiscard]] rocksdb::Status remove_empty_channel(const std::string& name);

  // Every channel's metadata (with documents, like load_meta), by name.
  [[nodiscard]] rocksdb::Status
  list_channels(std::vector<channel_meta>* out) const;

  // Appends `records` (consecutive seqs following the stored head; none: a
  // document snapshot of an idle channel) and
  // replaces the metadata with `meta` (and, when meta.state is given, the
  // document snapshot at meta.state_seq) in one WriteBatch, written per the
  // store's durability mode (sync: fsync'ed before returning).
  // Status::InvalidArgument when the seqs are not consecutive or meta.head
  // is not the last one (the stored head itself is not re-read).
  [[nodiscard]] rocksdb::Status append(const channel_meta& meta,
                                       const std::vector<record>& records);

  // Reads records of channel `id` with from <= seq <= to, in seq order, at
  // most `limit` of them. Missing seqs (trimmed) are simply absent.
  // `*out` is cleared first; limit 0 reads nothing. To read in chunks, call
  // again from the last returned seq + 1. A record that does not decode is
  // Status::Corruption naming its channel id and seq.
  // Reading also stops before the record that would take the records' data
  // past `max_bytes` (the first record is always returned), so a reader with
  // little room does not get records it would drop.
  [[nodiscard]] rocksdb::Status read(uint32_t id, uint64_t from, uint64_t to,
                                     size_t limit, std::vector<record>* out,
                                     uint64_t max_bytes = UINT64_MAX) const;

  // Deletes every record older than what retention keeps (point deletes
  // for up to 65,536 records, else one range delete; see replay_store.cpp): at most `max_count` records, none older than `now_ms - max_age`.
  // Updates meta->first (and persists meta) when anything was trimmed.
  // A state channel keeps every record after its snapshot (meta->state_seq).
  // max_count 0 or max_age 0 disables that limit. *meta is only changed when
  // the write succeeded.
  [[nodiscard]] rocksdb::Status trim(channel_meta* meta, uint64_t max_count,
                                     std::chrono::milliseconds max_age,
                                     int64_t now_ms);

  // Replaces the whole history of `meta.name` (channel `meta.id`): deletes
  // every record of the channel and writes `meta` (whose head and first say
  // where the new history starts), in one WriteBatch. A cluster follower
  // uses it when its copy is not a prefix of the owner's history (another
  // epoch, or a tail the owner never had).
  [[nodiscard]] rocksdb::Status reset_channel(const channel_meta& meta);

  // True after a write failed for lack of space or an I/O error: RocksDB
  // then refuses every write (reads go on), and so does the store, at once,
  // until resume() succeeds. Every write answers Status::NoSpace (the disk
  // was full) or an IOError meanwhile; nothing is written.
  bool writes_stopped() const;

  // When writes are stopped and the data directory has at least
  // open_options::min_free_bytes (and at least one byte) free, asks RocksDB
  // to resume: it flushes its memtables to new files and starts a new WAL.
  // OK when writes are accepted again (or were never stopped); otherwise
  // the reason, and writes stay stopped. Call it from the writer (it waits
  // for the flush); tidewire's store writer actor calls it on a timer.
  [[nodiscard]] rocksdb::Status resume();

  // For a secondary (read-only) instance: catches up with the writer's
  // latest changes. A no-op Status::OK for a primary.
  [[nodiscard]] rocksdb::Status refresh();

  // The underlying database, for tools that verify the raw key space.
  rocksdb::DB* raw_db() const;

  // Added: the column families behind raw_db(), which a tool needs to read
  // (or a test to damage) the raw key space; keys are laid out as described
  // in storage/keys.hpp. Owned by the store, valid while it is open.
  rocksdb::ColumnFamilyHandle* records_cf() const;
  rocksdb::ColumnFamilyHandle* meta_cf() const;

  // Added: true when opened with open_options::read_only (a secondary).
  bool read_only() const;

  // True when this open gave every channel a new epoch: the last node to
  // write with durability wal did not close the store cleanly and the
  // machine has rebooted since, so writes it acknowledged may be lost (the
  // OS never flushed them). See docs/architecture.md, durability.
  bool epochs_renewed() const;

private:
  replay_store() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tidewire::storage
