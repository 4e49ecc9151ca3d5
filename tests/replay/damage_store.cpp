// Test helper: damages a STOPPED node's store so `tidewire-replay verify`
// has something to find. Opens the store read-write through the storage API
// and edits the raw key space.
//
//   damage_store DIR delete  CHANNEL SEQ   removes record SEQ
//   damage_store DIR corrupt CHANNEL SEQ   overwrites record SEQ with garbage

#include <iostream>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "storage/keys.hpp"
#include "storage/replay_store.hpp"

int main(int argc, char** argv) {
  using namespace tidewire::storage;
  if (argc != 5) {
    std::cerr << "usage: damage_store DIR delete|corrupt CHANNEL SEQ\n";
    return 2;
  }
  std::string dir = argv[1], action = argv[2], channel = argv[3];
  uint64_t seq = std::stoull(argv[4]);
  std::unique_ptr<replay_store> store;
  open_options opts;
  opts.path = dir;
  auto s = replay_store::open(opts, &store);
  if (!s.ok()) {
    std::cerr << "damage_store: " << s.ToString() << '\n';
    return 1;
  }
  channel_meta meta;
  s = store->load_meta(channel, &meta);
  if (!s.ok()) {
    std::cerr << "damage_store: " << s.ToString() << '\n';
    return 1;
  }
  auto key = keys::record_key(meta.id, seq);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (action == "delete")
    s = store->raw_db()->Delete(wo, store->records_cf(), key);
  else if (action == "corrupt")
    s = store->raw_db()->Put(wo, store->records_cf(), key,
                             std::string{"\xc1garbage\xff", 9});
  else {
    std::cerr << "damage_store: unknown action " << action << '\n';
    return 2;
  }
  if (!s.ok()) {
    std::cerr << "damage_store: " << s.ToString() << '\n';
    return 1;
  }
  std::cout << (action == "delete" ? "deleted " : "corrupted ") << channel << " seq " << seq << '\n';
  return 0;
}
