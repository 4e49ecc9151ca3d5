#include "actors/store.hpp"

#include <chrono>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace tidewire {

namespace {

using storage::channel_meta;
using storage::record;
using store_ptr = std::shared_ptr<storage::replay_store>;

caf::error store_error(const rocksdb::Status& st) {
  // A full disk has its own code so a client can tell it from a fault and
  // retry later (HTTP 507); see writes_stopped() / min_free_bytes.
  if (st.IsNoSpace())
    return make_error(errc::storage_full,
                      "the node's disk is full: nothing was stored; "
                      "retry later");
  return make_error(errc::internal, "store: " + st.ToString());
}

// How often a store whose writes stopped asks RocksDB to resume. Each try
// first checks free space (one statvfs), so a full disk costs little.
constexpr auto resume_interval = std::chrono::milliseconds{500};

struct writer_state {
  // Not an aggregate: CAF 0.17 constructs a state from the actor pointer
  // when it can, and C++20 would initialise `resuming` from it (true).
  writer_state() = default;
  bool resuming = false; // a resume_atom is on its way
  static inline const char* name = "store_writer";
};

using writer_actor = caf::stateful_actor<writer_state>;

void log(const std::string& line) {
  std::cerr << "tidewire: store: " << line << std::endl;
}

// After every write: when the store stopped accepting writes (a failed
// write, see replay_store::writes_stopped), keeps trying to resume from
// within this actor, so no thread of ours sleeps on it.
void watch_writes(writer_actor* self, const store_ptr& store,
                  const rocksdb::Status& failure) {
  if (self->state.resuming || !store->writes_stopped())
    return;
  self->state.resuming = true;
  log("writes stopped (" + failure.ToString()
      + "); publishes are refused until the store resumes");
  self->delayed_send(self, resume_interval, resume_atom::value);
}

template <class T>
caf::result<T> answer(writer_actor* self, const store_ptr& store,
                      const rocksdb::Status& st, T value) {
  if (st.ok())
    return value;
  watch_writes(self, store, st);
  return store_error(st);
}

caf::behavior store_writer(writer_actor* self, store_ptr store) {
  return {
    [self, store](open_atom, const std::string& name,
                  const std::string& kind) -> caf::result<channel_meta> {
      channel_meta meta;
      auto st = store->open_channel(name, kind, &meta);
      return answer(self, store, st, std::move(meta));
    },
    [self, store](append_atom, const channel_meta& meta,
                  const std::vector<record>& records) -> caf::result<ok_atom> {
      return answer(self, store, store->append(meta, records), ok_atom::value);
    },
    [self, store](reset_atom, const channel_meta& meta) -> caf::result<ok_atom> {
      return answer(self, store, store->reset_channel(meta), ok_atom::value);
    },
    [self, store](trim_atom, channel_meta meta, uint64_t max_count,
                  int64_t max_age_ms,
                  int64_t now_ms) -> caf::result<channel_meta> {
      auto st = store->trim(&meta, max_count,
                            std::chrono::milliseconds{max_age_ms}, now_ms);
      return answer(self, store, st, std::move(meta));
    },
    [store](retire_atom, const std::string& name) -> caf::result<ok_atom> {
      auto st = store->remove_empty_channel(name);
      if (!st.ok())
        return store_error(st);
      return ok_atom::value;
    },
    [store](list_atom) -> caf::result<std::vector<channel_meta>> {
      std::vector<channel_meta> metas;
      auto st = store->list_channels(&metas);
      if (!st.ok())
        return store_error(st);
      return metas;
    },
    [self, store](resume_atom) {
      auto st = store->resume();
      if (st.ok()) {
        self->state.resuming = false;
        log("writes resumed");
        return;
      }
      self->delayed_send(self, resume_interval, resume_atom::value);
    },
  };
}

caf::behavior store_reader(caf::event_based_actor*, store_ptr store) {
  return {
    [store](read_atom, uint32_t id, uint64_t from, uint64_t to, uint64_t limit,
            uint64_t max_bytes) -> caf::result<std::vector<record>> {
      std::vector<record> records;
      auto st = store->read(id, from, to, limit, &records, max_bytes);
      if (!st.ok())
        return store_error(st);
      return records;
    },
  };
}

} // namespace

store_actors spawn_store_actors(caf::actor_system& sys, store_ptr store,
                                bool detached) {
  if (detached)
    return {sys.spawn<caf::detached>(store_writer, store),
            sys.spawn<caf::detached>(store_reader, store)};
  return {sys.spawn(store_writer, store), sys.spawn(store_reader, store)};
}

} // namespace tidewire
