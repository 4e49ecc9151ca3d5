#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "storage/replay_store.hpp"

namespace tidewire {

struct store_actors {
  caf::actor writer; // appends, trims, channel creation
  caf::actor reader; // range reads for catch-ups and history
};

// Spawns the two actors that own every call into the replay store. Both are
// detached in a node (RocksDB writes fsync and reads hit the disk: that must
// never stall a cooperative scheduler thread), and reads have their own actor
// so a catch-up never waits behind a group commit. Tests pass
// `detached = false` to run them under the deterministic test coordinator.
//
// writer:
//   (open_atom, std::string name, std::string kind) -> storage::channel_meta
//        the stored metadata, or a new channel's
//   (append_atom, storage::channel_meta, std::vector<storage::record>) -> ok_atom
//        records and metadata in one write; with meta.state, the document
//        snapshot at meta.state_seq too
//   (reset_atom, storage::channel_meta) -> ok_atom
//        drops every record of the channel and writes the metadata
//   (trim_atom, storage::channel_meta, uint64_t max_count, int64_t max_age_ms,
//    int64_t now_ms) -> storage::channel_meta      with `first` advanced
//   (list_atom) -> std::vector<storage::channel_meta>
// reader:
//   (read_atom, uint32_t id, uint64_t from, uint64_t to, uint64_t limit,
//    uint64_t max_bytes) -> std::vector<storage::record>
//        at most `limit` records, and none past the one that would take
//        their data over max_bytes (the first always comes)
// Every failure is errc::internal with the store's message, except a full
// disk: errc::storage_full. After a write failed for lack of space (or an
// I/O error) the store refuses every write at once; the writer then asks it
// to resume every 500 ms (replay_store::resume) until it accepts again, and
// logs both moments on stderr.
store_actors spawn_store_actors(caf::actor_system& sys,
                                std::shared_ptr<storage::replay_store> store,
                                bool detached = true);

} // namespace tidewire
