#include "actors/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace tidewire {

namespace {

using storage::channel_meta;
using storage::record;
using store_ptr = std::shared_ptr<storage::replay_store>;

caf::error store_error(const rocksdb::Status& st) {
  return make_error(errc::internal, "store: " + st.ToString());
}

caf::behavior store_writer(caf::event_based_actor*, store_ptr store) {
  return {
    [store](open_atom, const std::string& name,
            const std::string& kind) -> caf::result<channel_meta> {
      channel_meta meta;
      auto st = store->load_meta(name, &meta);
      if (st.IsNotFound())
        st = store->create_channel(name, kind, &meta);
      if (!st.ok())
        return store_error(st);
      return meta;
    },
    [store](append_atom, const channel_meta& meta,
            const std::vector<record>& records) -> caf::result<ok_atom> {
      auto st = store->append(meta, records);
      if (!st.ok())
        return store_error(st);
      return ok_atom::value;
    },
    [store](reset_atom, const channel_meta& meta) -> caf::result<ok_atom> {
      auto st = store->reset_channel(meta);
      if (!st.ok())
        return store_error(st);
      return ok_atom::value;
    },
    [store](trim_atom, channel_meta meta, uint64_t max_count,
            int64_t max_age_ms, int64_t now_ms) -> caf::result<channel_meta> {
      auto st = store->trim(&meta, max_count,
                            std::chrono::milliseconds{max_age_ms}, now_ms);
      if (!st.ok())
        return store_error(st);
      return meta;
    },
    [store](list_atom) -> caf::result<std::vector<channel_meta>> {
      std::vector<channel_meta> metas;
      auto st = store->list_channels(&metas);
      if (!st.ok())
        return store_error(st);
      return metas;
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
