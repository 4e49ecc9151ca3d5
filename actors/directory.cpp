#include "actors/directory.hpp"

#include <algorithm>
#include <map>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/channel.hpp"
#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace tidewire {

namespace {

constexpr auto info_timeout = std::chrono::seconds(5);

struct directory_state {
  static inline const char* name = "tidewire.directory";

  directory_config cfg;
  std::map<std::string, caf::actor> channels;
};

using directory_actor = caf::stateful_actor<directory_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<directory_state, directory_actor*>);

caf::actor ensure_channel(directory_actor* self, const std::string& name,
                          const channel_decl& decl) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  auto channel = spawn_channel(self->system(),
                               channel_params{name, decl, st.cfg.limits,
                                              st.cfg.store_writer,
                                              st.cfg.store_reader});
  self->monitor(channel);
  st.channels.emplace(name, channel);
  return channel;
}

caf::result<caf::actor> lookup(directory_actor* self, const std::string& name) {
  if (!valid_channel_name(name))
    return make_error(errc::invalid_channel,
                      "invalid channel name: names match [A-Za-z0-9_.:-]{1,128}");
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  auto decl = find_decl(st.cfg.decls, name);
  if (!decl)
    return make_error(errc::unknown_channel,
                      "no declared channel pattern matches " + name);
  if (st.channels.size() >= st.cfg.max_channels)
    return make_error(errc::rate_limited,
                      "cannot create " + name + ": the node has "
                        + std::to_string(st.channels.size())
                        + " channels, its limit");
  return ensure_channel(self, name, *decl);
}

// A lookup for a read (history, state): an existing channel, never a new
// one. Reads are free to make, so if they created channels anyone could grow
// the node (an actor and a store entry each) by asking for junk names.
caf::result<caf::actor> find(directory_actor* self, const std::string& name) {
  if (!valid_channel_name(name))
    return make_error(errc::invalid_channel,
                      "invalid channel name: names match [A-Za-z0-9_.:-]{1,128}");
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second;
  if (!find_decl(st.cfg.decls, name))
    return make_error(errc::unknown_channel,
                      "no declared channel pattern matches " + name);
  return make_error(errc::unknown_channel,
                    "channel " + name + " has no updates yet");
}

// Asks every channel for its info and answers with all of them, by name.
caf::result<std::vector<channel_info>> list(directory_actor* self) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  auto infos = std::make_shared<std::vector<channel_info>>();
  auto remaining = std::make_shared<size_t>(st.channels.size());
  if (*remaining == 0)
    return *infos;
  // A list missing the channels that did not answer would look complete to
  // its reader (a scrape, a dashboard): all of them, or an error.
  auto failed = std::make_shared<size_t>(0);
  auto done = [rp, infos, remaining, failed]() mutable {
    if (--*remaining > 0)
      return;
    if (*failed > 0) {
      rp.deliver(make_error(errc::unavailable,
                            std::to_string(*failed)
                              + " channels did not answer in time"));
      return;
    }
    std::sort(infos->begin(), infos->end(),
              [](auto& x, auto& y) { return x.name < y.name; });
    rp.deliver(std::move(*infos));
  };
  for (auto& [name, channel] : st.channels)
    self->request(channel, info_timeout, info_atom::value)
      .then(
        [infos, done](channel_info& info) mutable {
          infos->push_back(std::move(info));
          done();
        },
        [done, failed](caf::error&) mutable {
          ++*failed;
          done();
        });
  return rp;
}

caf::behavior directory_behavior(directory_actor* self, directory_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& channels = self->state.channels;
    for (auto it = channels.begin(); it != channels.end(); ++it)
      if (it->second.address() == dm.source) {
        channels.erase(it);
        return;
      }
  });
  // Channels are not linked to the directory (one failing must not take the
  // others down), so stopping the directory stops them explicitly.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [name, channel] : self->state.channels)
      self->send_exit(channel, msg.reason);
    self->quit(msg.reason);
  });
  for (auto& decl : self->state.cfg.decls)
    if (decl.pattern.empty() || decl.pattern.back() != '*')
      ensure_channel(self, decl.pattern, decl);
  if (self->state.cfg.store_writer) {
    // Channels with stored history are listed from the start, not only once
    // someone asks for them.
    self
      ->request(self->state.cfg.store_writer, caf::infinite, list_atom::value)
      .await(
        [self](const std::vector<storage::channel_meta>& metas) {
          for (auto& meta : metas)
            if (auto decl = find_decl(self->state.cfg.decls, meta.name))
              ensure_channel(self, meta.name, *decl);
        },
        [self](caf::error& err) { self->quit(err); });
  }
  return {
    [self](get_atom, const std::string& name) { return lookup(self, name); },
    [self](get_atom, const std::string& name, read_atom) {
      return find(self, name);
    },
    [self](list_atom) { return list(self); },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg) {
  return sys.spawn(directory_behavior, std::move(cfg));
}

} // namespace tidewire
