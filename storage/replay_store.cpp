// replay_store reads and writes. Opening and closing are in open_store.cpp,
// the key layout in keys.hpp, value encoding in codec.cpp.

#include <algorithm>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/codec.hpp"
#include "storage/keys.hpp"
#include "storage/random_hex.hpp"
#include "storage/replay_store_impl.hpp"

namespace tidewire::storage {

namespace {

// An epoch is the first 8 hex chars of the store id plus 8 random bytes:
// distinct across channels, across stores, and across a wiped and
// re-created store (new store id).
constexpr size_t epoch_store_prefix = 8;
constexpr size_t epoch_random_bytes = 8;

// Trims of up to this many records use point deletes (see trim()).
constexpr uint64_t point_delete_limit = 65536;

rocksdb::Status read_only_error() {
  return rocksdb::Status::NotSupported("the store is open read-only");
}

std::string describe_key(uint32_t id, uint64_t seq) {
  return "record " + std::to_string(id) + "/" + std::to_string(seq);
}

// Puts `meta` into `batch`: the metadata without the document, and when
// meta.state is given, the document as the snapshot at meta.state_seq.
rocksdb::Status put_meta(store_state& d, rocksdb::WriteBatch& batch,
                         const channel_meta& meta) {
  if (!meta.state.empty() && meta.state_seq > meta.head)
    return rocksdb::Status::InvalidArgument(
      meta.name + ": document snapshot at seq " + std::to_string(meta.state_seq)
      + " is past the head " + std::to_string(meta.head));
  auto stored = meta;
  stored.state.clear();
  // Metadata cut short of the head the caller knows (a cluster follower
  // restarting its stored history) keeps no claim past its head.
  if (stored.state_seq > stored.head)
    stored.state_seq = 0;
  if (!meta.state.empty()) {
    auto s = batch.Put(d.meta, keys::state_key(meta.name), meta.state);
    if (!s.ok())
      return s;
  }
  return batch.Put(d.meta, keys::channel_key(meta.name),
                   codec::encode(stored));
}

// Stored metadata carries no document; fills meta->state from the snapshot
// key. Metadata written before snapshots existed holds the document at head.
rocksdb::Status load_state(const store_state& d, channel_meta* meta) {
  if (!meta->state.empty()) {
    meta->state_seq = meta->head;
    return rocksdb::Status::OK();
  }
  if (meta->kind != "state")
    return rocksdb::Status::OK();
  auto s = d.db->Get(rocksdb::ReadOptions{}, d.meta,
                     keys::state_key(meta->name), &meta->state);
  if (s.IsNotFound()) {
    meta->state.clear(); // no snapshot yet: the empty document at state_seq
    return rocksdb::Status::OK();
  }
  return s;
}

} // namespace

const std::string& replay_store::store_id() const {
  return impl_->store_id;
}

rocksdb::DB* replay_store::raw_db() const {
  return impl_->db.get();
}

rocksdb::ColumnFamilyHandle* replay_store::records_cf() const {
  return impl_->records;
}

rocksdb::ColumnFamilyHandle* replay_store::meta_cf() const {
  return impl_->meta;
}

bool replay_store::read_only() const {
  return impl_->opts.read_only;
}

bool replay_store::epochs_renewed() const {
  return impl_->epochs_renewed;
}

rocksdb::Status renew_all_epochs(store_state& d) {
  const std::string prefix{keys::channel_prefix};
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it{
    d.db->NewIterator(rocksdb::ReadOptions{}, d.meta)};
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    channel_meta meta;
    auto s = codec::decode(it->value(), &meta, it->key().ToString());
    if (!s.ok())
      return s;
    meta.epoch = d.store_id.substr(0, epoch_store_prefix)
                 + random_hex(epoch_random_bytes);
    s = batch.Put(d.meta, it->key(), codec::encode(meta));
    if (!s.ok())
      return s;
  }
  if (!it->status().ok())
    return it->status();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return d.db->Write(wo, &batch);
}

rocksdb::Status replay_store::load_meta(const std::string& name,
                                        channel_meta* out) const {
  std::string value;
  auto key = keys::channel_key(name);
  auto s = impl_->db->Get(rocksdb::ReadOptions{}, impl_->meta, key, &value);
  if (!s.ok())
    return s;
  s = codec::decode(value, out, key);
  if (!s.ok())
    return s;
  return load_state(*impl_, out);
}

rocksdb::Status replay_store::open_channel(const std::string& name,
                                           const std::string& kind,
                                           channel_meta* out) {
  if (read_only())
    return read_only_error();
  auto& d = *impl_;
  std::string value;
  auto key = keys::channel_key(name);
  auto s = d.db->Get(rocksdb::ReadOptions{}, d.meta, key, &value);
  if (s.IsNotFound())
    return create_channel(name, kind, out);
  if (!s.ok())
    return s;
  s = codec::decode(value, out, key);
  if (!s.ok() || out->state.empty())
    return s.ok() ? load_state(d, out) : s;
  // Written before snapshots: the document (at head) moves to its own key,
  // so later appends, which store no document, cannot lose it.
  out->state_seq = out->head;
  rocksdb::WriteBatch batch;
  s = put_meta(d, batch, *out);
  if (s.ok())
    s = write_batch(d, batch, false);
  return s;
}

rocksdb::Status replay_store::create_channel(const std::string& name,
                                             const std::string& kind,
                                             channel_meta* out) {
  if (read_only())
    return read_only_error();
  auto& d = *impl_;
  // One id allocation at a time; the lock also orders the "exists" check
  // before the write, so two creators of one name cannot both succeed.
  std::lock_guard<std::mutex> guard{d.create_mutex};
  channel_meta existing;
  auto s = load_meta(name, &existing);
  if (s.ok())
    return rocksdb::Status::InvalidArgument("channel " + name
                                            + " already exists");
  if (!s.IsNotFound())
    return s;
  if (d.next_id == UINT32_MAX)
    return rocksdb::Status::NotSupported("no channel ids left");
  channel_meta meta;
  meta.id = d.next_id;
  meta.name = name;
  meta.kind = kind;
  meta.epoch = d.store_id.substr(0, epoch_store_prefix)
               + random_hex(epoch_random_bytes);
  meta.head = 0;
  meta.first = 1;
  rocksdb::WriteBatch batch;
  s = batch.Put(d.meta, keys::channel_key(name), codec::encode(meta));
  if (s.ok())
    s = batch.Put(d.meta, std::string{keys::next_id},
                  codec::encode_uint(uint64_t{meta.id} + 1));
  if (s.ok())
    s = write_batch(d, batch, true);
  if (!s.ok())
    return s;
  d.next_id = meta.id + 1;
  *out = std::move(meta);
  return rocksdb::Status::OK();
}

rocksdb::Status replay_store::remove_empty_channel(const std::string& name) {
  if (read_only())
    return read_only_error();
  auto& d = *impl_;
  // Under the creation lock: a create of the same name waits for the delete.
  std::lock_guard<std::mutex> guard{d.create_mutex};
  channel_meta existing;
  auto s = load_meta(name, &existing);
  if (s.IsNotFound())
    return rocksdb::Status::OK();
  if (!s.ok())
    return s;
  if (existing.head != 0)
    return rocksdb::Status::InvalidArgument("channel " + name
                                            + " has updates");
  rocksdb::WriteBatch batch;
  s = batch.Delete(d.meta, keys::channel_key(name));
  if (s.ok())
    s = write_batch(d, batch, false);
  return s;
}

rocksdb::Status
replay_store::list_channels(std::vector<channel_meta>* out) const {
  out->clear();
  const std::string prefix{keys::channel_prefix};
  std::unique_ptr<rocksdb::Iterator> it{
    impl_->db->NewIterator(rocksdb::ReadOptions{}, impl_->meta)};
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    channel_meta meta;
    auto s = codec::decode(it->value(), &meta, it->key().ToString());
    if (s.ok())
      s = load_state(*impl_, &meta);
    if (!s.ok())
      return s;
    out->push_back(std::move(meta));
  }
  return it->status();
}

rocksdb::Status replay_store::append(const channel_meta& meta,
                                     const std::vector<record>& records) {
  if (read_only())
    return read_only_error();
  // Cheap consistency checks on what the caller hands in; the stored head is
  // not re-read (the channel actor is the only writer of its channel).
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].seq != records.front().seq + i)
      return rocksdb::Status::InvalidArgument("append to " + meta.name
                                              + ": seqs are not consecutive");
  if (!records.empty() && records.back().seq != meta.head)
    return rocksdb::Status::InvalidArgument("append to " + meta.name
                                            + ": meta.head is not the last seq");
  auto& d = *impl_;
  rocksdb::WriteBatch batch;
  rocksdb::Status s;
  for (const auto& rec : records) {
    s = batch.Put(d.records, keys::record_key(meta.id, rec.seq),
                  codec::encode(rec));
    if (!s.ok())
      return s;
  }
  s = put_meta(d, batch, meta);
  if (!s.ok())
    return s;
  return write_batch(d, batch, true);
}

rocksdb::Status replay_store::read(uint32_t id, uint64_t from, uint64_t to,
                                   size_t limit, std::vector<record>* out,
                                   uint64_t max_bytes) const {
  out->clear();
  if (from > to || limit == 0)
    return rocksdb::Status::OK();
  const auto lower = keys::record_key(id, from);
  // Exclusive upper bound: (id, to + 1), or the next channel's first key when
  // `to` is the largest seq. Past the last id the loop's check stops us.
  std::string upper;
  if (to < UINT64_MAX)
    upper = keys::record_key(id, to + 1);
  else if (id < UINT32_MAX)
    upper = keys::record_key(id + 1, 0);
  rocksdb::Slice upper_slice{upper};
  rocksdb::ReadOptions ro;
  if (!upper.empty())
    ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it{
    impl_->db->NewIterator(ro, impl_->records)};
  uint64_t bytes = 0;
  for (it->Seek(lower); it->Valid() && out->size() < limit; it->Next()) {
    uint32_t key_id = 0;
    uint64_t seq = 0;
    if (!keys::parse_record_key(it->key().ToStringView(), &key_id, &seq))
      return rocksdb::Status::Corruption("record key of wrong size in channel "
                                         + std::to_string(id));
    if (key_id != id || seq > to)
      break;
    record rec;
    auto what = describe_key(id, seq);
    auto s = codec::decode(it->value(), &rec, what);
    if (!s.ok())
      return s;
    if (rec.seq != seq)
      return rocksdb::Status::Corruption(what, "seq in value differs from key");
    if (!out->empty() && bytes + rec.data.size() > max_bytes)
      break;
    bytes += rec.data.size();
    out->push_back(std::move(rec));
  }
  return it->status();
}

rocksdb::Status replay_store::trim(channel_meta* meta, uint64_t max_count,
                                   std::chrono::milliseconds max_age,
                                   int64_t now_ms) {
  if (read_only())
    return read_only_error();
  if (meta->first > meta->head)
    return rocksdb::Status::OK(); // nothing retained
  uint64_t new_first = meta->first;
  if (max_count > 0 && meta->head - meta->first + 1 > max_count)
    new_first = meta->head - max_count + 1;
  if (max_age.count() > 0 && new_first <= meta->head) {
    const int64_t cutoff = now_ms - max_age.count();
    if (meta->last_ts < cutoff) {
      new_first = meta->head + 1; // even the newest is too old
    } else {
      // ts is nondecreasing in seq: walk from the oldest kept record to the
      // first young enough. The walk costs what is about to be trimmed, so
      // regular trims stay cheap.
      std::vector<record> chunk;
      bool found = false;
      while (!found && new_first <= meta->head) {
        auto s = read(meta->id, new_first, meta->head, 256, &chunk);
        if (!s.ok())
          return s;
        if (chunk.empty()) {
          new_first = meta->head + 1;
          break;
        }
        for (const auto& rec : chunk) {
          if (rec.ts >= cutoff) {
            new_first = rec.seq;
            found = true;
            break;
          }
          new_first = rec.seq + 1;
        }
      }
    }
  }
  // A state channel's document is rebuilt from its snapshot and the records
  // after it: those are never trimmed.
  if (meta->kind == "state")
    new_first = std::min(new_first, meta->state_seq + 1);
  if (new_first <= meta->first)
    return rocksdb::Status::OK();
  auto& d = *impl_;
  channel_meta updated = *meta;
  updated.state.clear(); // the stored snapshot stays
  updated.first = new_first;
  rocksdb::WriteBatch batch;
  // Small trims (the ~1% steps of a busy channel) delete record by record:
  // range tombstones in the memtable are re-fragmented by every read and
  // write that meets them, so one per step would pile up and slow a small
  // retention down to a crawl. Point tombstones cost what the puts did and
  // sit below every read's start key. Only a trim of many records at once
  // (age retention after a quiet spell) uses one range delete, so those stay
  // rare. The trim and the new `first` are one WriteBatch, so nothing is
  // ever left below `first`.
  rocksdb::Status s;
  if (new_first - meta->first <= point_delete_limit) {
    for (auto seq = meta->first; seq < new_first && s.ok(); ++seq)
      s = batch.Delete(d.records, keys::record_key(meta->id, seq));
  } else {
    s = batch.DeleteRange(d.records, keys::record_key(meta->id, 0),
                          keys::record_key(meta->id, new_first));
  }
  if (s.ok())
    s = put_meta(d, batch, updated);
  if (s.ok())
    s = write_batch(d, batch, false); // a trim frees room: never refused for it
  if (!s.ok())
    return s;
  meta->first = new_first;
  return rocksdb::Status::OK();
}

rocksdb::Status replay_store::reset_channel(const channel_meta& meta) {
  if (read_only())
    return read_only_error();
  if (meta.id == UINT32_MAX)
    return rocksdb::Status::NotSupported("no channel ids left");
  auto& d = *impl_;
  rocksdb::WriteBatch batch;
  auto s = batch.DeleteRange(d.records, keys::record_key(meta.id, 0),
                             keys::record_key(meta.id + 1, 0));
  if (s.ok() && meta.state.empty())
    s = batch.Delete(d.meta, keys::state_key(meta.name));
  if (s.ok())
    s = put_meta(d, batch, meta);
  if (s.ok())
    s = write_batch(d, batch, false);
  return s;
}

rocksdb::Status replay_store::refresh() {
  if (!read_only())
    return rocksdb::Status::OK();
  return impl_->db->TryCatchUpWithPrimary();
}

} // namespace tidewire::storage
