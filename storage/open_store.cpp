// replay_store::open and close: directory checks, RocksDB open (primary or
// secondary), and the tidewire format marker.
//
//   open(opts)
//     ├─ read_only ─▶ inspect dir ─▶ list CFs ─▶ OpenAsSecondary ─▶ marker
//     └─ writer ────▶ prepare dir ─▶ list CFs ─▶ DB::Open ─────────▶ marker
//                     (create only       (refuse                (initialise
//                      when empty)        foreign)               when new)

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "storage/codec.hpp"
#include "storage/data_dir.hpp"
#include "storage/db_options.hpp"
#include "storage/info_log.hpp"
#include "storage/keys.hpp"
#include "storage/random_hex.hpp"
#include "storage/replay_store_impl.hpp"

namespace tidewire::storage {

namespace {

constexpr size_t store_id_bytes = 8;

rocksdb::Status not_tidewire(const std::string& path, const std::string& why) {
  return rocksdb::Status::InvalidArgument(path + " is not a tidewire store: " +
                                          why);
}

// RocksDB 7.8 reports a held LOCK as an IOError, for another process
// ("While lock file: <dir>/LOCK: Resource temporarily unavailable") and for
// this one ("lock hold by current process, ...: <dir>/LOCK: ..."). Failing to
// open the LOCK file at all ("While open a file for lock") is not "in use".
bool is_lock_error(const rocksdb::Status& s) {
  if (!s.IsIOError())
    return false;
  auto text = s.ToString();
  return text.find("While lock file") != std::string::npos
         || text.find("lock hold by current process") != std::string::npos;
}

rocksdb::Status list_families(const std::string& path,
                              std::vector<std::string>* names) {
  auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions{}, path, names);
  if (!s.ok())
    return not_tidewire(path, "not a readable RocksDB database (" +
                                s.ToString() + ")");
  for (const char* needed : {db_options::records_cf, db_options::meta_cf})
    if (std::find(names->begin(), names->end(), needed) == names->end())
      return not_tidewire(path, std::string{"no '"} + needed +
                                  "' column family");
  return rocksdb::Status::OK();
}

void attach_handles(store_state& d) {
  for (auto* h : d.handles) {
    if (h->GetName() == db_options::records_cf)
      d.records = h;
    else if (h->GetName() == db_options::meta_cf)
      d.meta = h;
  }
}

bool column_family_empty(store_state& d, rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<rocksdb::Iterator> it{
    d.db->NewIterator(rocksdb::ReadOptions{}, cf)};
  it->SeekToFirst();
  return !it->Valid() && it->status().ok();
}

// Writes the marker of a new store. Always fsync'ed, whatever the durability
// mode: it happens once and a store without it is refused at the next open.
rocksdb::Status initialize(store_state& d) {
  d.store_id = random_hex(store_id_bytes);
  d.next_id = 1;
  rocksdb::WriteBatch batch;
  auto s = batch.Put(d.meta, std::string{keys::format},
                     codec::encode_uint(format_version));
  if (s.ok())
    s = batch.Put(d.meta, std::string{keys::store_id}, d.store_id);
  if (s.ok())
    s = batch.Put(d.meta, std::string{keys::next_id},
                  codec::encode_uint(d.next_id));
  if (!s.ok())
    return s;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return d.db->Write(wo, &batch);
}

// Checks the format marker and loads store_id and next_id. A writer may
// initialise a store whose creation stopped before the marker was written
// (both column families still empty); anything else without it is refused.
rocksdb::Status read_marker(store_state& d, bool may_initialize) {
  const auto& path = d.opts.path;
  std::string value;
  rocksdb::ReadOptions ro;
  auto s = d.db->Get(ro, d.meta, std::string{keys::format}, &value);
  if (s.IsNotFound()) {
    if (may_initialize && column_family_empty(d, d.meta)
        && column_family_empty(d, d.records))
      return initialize(d);
    return not_tidewire(path, "no format marker");
  }
  if (!s.ok())
    return s;
  uint64_t version = 0;
  s = codec::decode_uint(value, &version, "format marker of " + path);
  if (!s.ok())
    return s;
  if (version > format_version)
    return rocksdb::Status::NotSupported(
      path + " has store format " + std::to_string(version)
      + ", this build reads up to " + std::to_string(format_version));
  if (version == 0)
    return rocksdb::Status::Corruption(path + " has invalid store format 0");
  s = d.db->Get(ro, d.meta, std::string{keys::store_id}, &d.store_id);
  if (!s.ok())
    return rocksdb::Status::Corruption(path + ": store_id missing",
                                       s.ToString());
  s = d.db->Get(ro, d.meta, std::string{keys::next_id}, &value);
  if (!s.ok())
    return rocksdb::Status::Corruption(path + ": next_id missing",
                                       s.ToString());
  uint64_t next = 0;
  s = codec::decode_uint(value, &next, "next_id of " + path);
  if (!s.ok())
    return s;
  if (next == 0 || next > UINT32_MAX)
    return rocksdb::Status::Corruption(path + ": next_id out of range");
  d.next_id = static_cast<uint32_t>(next);
  return rocksdb::Status::OK();
}

std::string read_boot_id(const std::string& override_path) {
  std::ifstream in{override_path.empty() ? "/proc/sys/kernel/random/boot_id"
                                         : override_path};
  std::string id;
  std::getline(in, id);
  return id; // "" when unknown: then every unclean wal open renews epochs
}

// Decides whether the last run may have lost acknowledged writes, and marks
// this run. A `wal` write is in the OS page cache when it is acknowledged:
// it survives the process dying (same boot) but not the machine going down.
// So an unclean close followed by a reboot (another boot id, or none known)
// of a store last written with `wal` starts new epochs; `sync` writes were on
// disk, and a clean close synced the WAL.
rocksdb::Status mark_run(store_state& d) {
  std::string last_state;
  std::string last_boot;
  rocksdb::ReadOptions ro;
  auto s = d.db->Get(ro, d.meta, std::string{keys::run_state}, &last_state);
  if (s.IsNotFound())
    last_state = "clean"; // a new store, or one from before the marker
  else if (!s.ok())
    return s;
  s = d.db->Get(ro, d.meta, std::string{keys::boot_id}, &last_boot);
  if (!s.ok() && !s.IsNotFound())
    return s;
  auto boot = read_boot_id(d.opts.boot_id_path);
  if (last_state == "open:wal" && (boot.empty() || boot != last_boot)) {
    s = renew_all_epochs(d);
    if (!s.ok())
      return s;
    d.epochs_renewed = true;
  }
  rocksdb::WriteBatch batch;
  s = batch.Put(d.meta, std::string{keys::run_state},
                d.opts.mode == durability::sync ? "open:sync" : "open:wal");
  if (s.ok())
    s = batch.Put(d.meta, std::string{keys::boot_id}, boot);
  if (!s.ok())
    return s;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = d.db->Write(wo, &batch);
  if (s.ok())
    d.marks_runs = true;
  return s;
}

rocksdb::Status open_writer(store_state& d) {
  const auto& path = d.opts.path;
  data_dir::kind kind;
  auto s = data_dir::prepare_for_writer(path, &kind);
  if (!s.ok())
    return s;
  auto dbo = db_options::db(false);
  dbo.listeners.push_back(make_error_listener(d.health));
  std::vector<std::string> names;
  switch (kind) {
    case data_dir::kind::foreign:
      return not_tidewire(path, "the directory holds other files");
    case data_dir::kind::empty:
      dbo.create_if_missing = true;
      dbo.create_missing_column_families = true;
      names = {rocksdb::kDefaultColumnFamilyName, db_options::records_cf,
               db_options::meta_cf};
      break;
    case data_dir::kind::rocksdb:
      s = list_families(path, &names);
      if (!s.ok())
        return s;
      break;
  }
  // Only now: a directory refused above gets no LOG file of ours.
  dbo.info_log = make_info_log(path);
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(dbo, path, db_options::descriptors(names, d.cache),
                        &d.handles, &raw);
  if (is_lock_error(s))
    return rocksdb::Status::Busy("data directory " + path
                                 + " is in use by another tidewire node");
  if (!s.ok())
    return rocksdb::Status::IOError("cannot open store " + path,
                                    s.ToString());
  d.db.reset(raw);
  attach_handles(d);
  s = read_marker(d, true);
  if (!s.ok())
    return s;
  return mark_run(d);
}

rocksdb::Status open_reader(store_state& d) {
  const auto& path = d.opts.path;
  data_dir::kind kind;
  auto s = data_dir::inspect_for_reader(path, &kind);
  if (!s.ok())
    return s;
  if (kind == data_dir::kind::empty)
    return not_tidewire(path, "the directory is empty");
  if (kind == data_dir::kind::foreign)
    return not_tidewire(path, "the directory holds other files");
  std::vector<std::string> names;
  s = list_families(path, &names);
  if (!s.ok())
    return s;
  auto secondary = d.opts.secondary_path;
  if (secondary.empty()) {
    s = data_dir::make_temp_dir("tidewire-secondary-", &secondary);
    if (!s.ok())
      return s;
    d.owned_secondary_dir = secondary;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(secondary, ec);
    if (ec)
      return rocksdb::Status::IOError("cannot create secondary directory "
                                      + secondary + ": " + ec.message());
  }
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenAsSecondary(db_options::db(true), path, secondary,
                                   db_options::descriptors(names, d.cache),
                                   &d.handles, &raw);
  if (!s.ok())
    return rocksdb::Status::IOError("cannot open store " + path
                                      + " read-only",
                                    s.ToString());
  d.db.reset(raw);
  attach_handles(d);
  return read_marker(d, false);
}

} // namespace

store_state::~store_state() {
  if (db && marks_runs) {
    // Synced: this also puts every earlier WAL record of this run on disk,
    // so a clean close loses nothing whatever the durability mode.
    rocksdb::WriteOptions wo;
    wo.sync = true;
    db->Put(wo, meta, std::string{keys::run_state}, "clean")
      .PermitUncheckedError();
  }
  if (db) {
    for (auto* h : handles)
      db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    handles.clear();
    // Close() flushes memtables holding unlogged (durability::none) writes.
    db->Close().PermitUncheckedError();
    db.reset();
  }
  if (!owned_secondary_dir.empty())
    data_dir::remove_tree(owned_secondary_dir);
}

rocksdb::Status replay_store::open(const open_options& opts,
                                   std::unique_ptr<replay_store>* out) {
  auto d = std::make_unique<impl>();
  d->opts = opts;
  d->cache = db_options::block_cache();
  d->write_opts = db_options::write(opts.mode);
  auto s = opts.read_only ? open_reader(*d) : open_writer(*d);
  if (!s.ok())
    return s; // `d` closes whatever was opened
  std::unique_ptr<replay_store> store{new replay_store};
  store->impl_ = std::move(d);
  *out = std::move(store);
  return rocksdb::Status::OK();
}

replay_store::~replay_store() = default;

} // namespace tidewire::storage
