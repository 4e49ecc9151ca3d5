// The directory's retirement of channels made from `*` patterns that never
// had an update: each is an actor and a store entry, and counts against
// --max-channels, so one nobody uses is stopped and its name forgotten
// (directory_config::idle_retire; see directory_state.hpp).

#include <utility>

#include "actors/directory_state.hpp"

namespace tidewire::directory_detail {

namespace {

// A channel made from a `*` pattern (not an exactly declared name).
bool from_pattern(const directory_state& st, const std::string& name) {
  auto decl = find_decl(st.cfg.decls, name);
  return decl && decl->pattern != name;
}

void forget_name(directory_actor* self, const std::string& name) {
  self->request(self->state.cfg.store_writer, caf::infinite, retire_atom::value,
                name)
    .then([](ok_atom) {}, [](caf::error&) {});
}

} // namespace

// Such a name would come back empty after every restart, so the store
// forgets it instead.
bool retire_stored(directory_actor* self, const storage::channel_meta& meta,
                   const channel_decl& decl) {
  if (meta.head != 0 || decl.pattern == meta.name
      || self->state.cfg.idle_retire.count() == 0)
    return false;
  forget_name(self, meta.name);
  return true;
}

// Channels from patterns that never had an update and had no subscriber at
// this check and the previous one are asked to retire; those that agree
// stopped, and the store forgets their names.
void sweep_idle(directory_actor* self) {
  auto& st = self->state;
  auto seen = std::exchange(st.idle, {});
  for (auto& [name, info] : st.summaries) {
    if (info.head != 0 || info.subscribers != 0 || !from_pattern(st, name))
      continue;
    if (!seen.count(name)) {
      st.idle.insert(name);
      continue;
    }
    // The channel decides: it may have changed since it last reported.
    auto channel = st.channels.at(name);
    self->request(channel, info_timeout, retire_atom::value)
      .then(
        [self, name = name, channel](bool retired) {
          if (!retired)
            return;
          auto& st = self->state;
          if (auto it = st.channels.find(name);
              it != st.channels.end() && it->second == channel) {
            st.channels.erase(it);
            st.summaries.erase(name);
          }
          if (st.cfg.store_writer)
            forget_name(self, name);
        },
        [](caf::error&) {});
  }
  // With the sweep off (idle_retire 0) a tick sent by hand, as the
  // deterministic tests do, runs one check and arms nothing.
  if (st.cfg.idle_retire.count() > 0)
    self->delayed_send(self, st.cfg.idle_retire, tick_atom::value);
}

} // namespace tidewire::directory_detail
