#include "actors/api.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"

namespace tidewire::api {

namespace {

// An HTTP caller gives up after this; the channel may still commit the
// publish, which the caller can see in the history.
constexpr auto timeout = std::chrono::seconds(10);

// Spawns a one-shot actor that resolves `channel` and sends it `xs...`,
// handing the reply of type T (or the error) to `done`. The actor ends
// when its last pending response has arrived.
// A read (`lookup` = read_atom) never creates the channel; a publish
// (`lookup` = get_atom) may.
template <class T, class Lookup, class... Ts>
void ask_channel(caf::actor_system& sys, const caf::actor& directory,
                 std::string channel,
                 std::function<void(caf::expected<T>)> done, Lookup,
                 Ts... xs) {
  sys.spawn([directory, channel = std::move(channel), done = std::move(done),
             xs...](caf::event_based_actor* self) {
    auto ask = [&] {
      if constexpr (std::is_same_v<Lookup, read_atom>)
        return self->request(directory, timeout, get_atom::value, channel,
                             read_atom::value);
      else
        return self->request(directory, timeout, get_atom::value, channel);
    };
    ask()
      .then(
        [self, done, xs...](const caf::actor& target) {
          self->request(target, timeout, xs...)
            .then([done](T& result) { done(std::move(result)); },
                  [done](caf::error& err) { done(std::move(err)); });
        },
        [done](caf::error& err) { done(std::move(err)); });
  });
}

} // namespace

void publish(caf::actor_system& sys, const caf::actor& directory,
             std::string channel, std::string data_json, std::string key,
             std::function<void(caf::expected<publish_ack>)> done) {
  ask_channel<publish_ack>(sys, directory, std::move(channel), std::move(done),
                           get_atom::value, publish_atom::value,
                           std::move(data_json), std::move(key));
}

namespace {

// Asks the directory for (part of) its channel list with `args`.
template <class... Ts>
void ask_list(caf::actor_system& sys, const caf::actor& directory,
              std::function<void(caf::expected<std::vector<channel_info>>)> done,
              Ts... args) {
  sys.spawn([directory, done = std::move(done),
             args...](caf::event_based_actor* self) {
    self->request(directory, timeout, list_atom::value, args...)
      .then(
        [done](std::vector<channel_info>& infos) { done(std::move(infos)); },
        [done](caf::error& err) { done(std::move(err)); });
  });
}

} // namespace

void list_channels(
  caf::actor_system& sys, const caf::actor& directory,
  std::function<void(caf::expected<std::vector<channel_info>>)> done) {
  ask_list(sys, directory, std::move(done));
}

void list_channels(
  caf::actor_system& sys, const caf::actor& directory, std::string after,
  uint64_t count,
  std::function<void(caf::expected<std::vector<channel_info>>)> done) {
  ask_list(sys, directory, std::move(done), std::move(after), count);
}

void history(caf::actor_system& sys, const caf::actor& directory,
             std::string channel, uint64_t since, uint32_t limit,
             std::function<void(caf::expected<history_page>)> done) {
  ask_channel<history_page>(sys, directory, std::move(channel),
                            std::move(done), read_atom::value,
                            history_atom::value, since,
                            static_cast<uint64_t>(limit));
}

void state(caf::actor_system& sys, const caf::actor& directory,
           std::string channel,
           std::function<void(caf::expected<state_doc>)> done) {
  ask_channel<state_doc>(sys, directory, std::move(channel), std::move(done),
                         read_atom::value, state_atom::value);
}

void cluster(caf::actor_system& sys, const caf::actor& membership,
             std::function<void(caf::expected<cluster::cluster_view>)> done) {
  if (!membership)
    return done(make_error(errc::unavailable, "no membership actor"));
  sys.spawn([membership, done = std::move(done)](caf::event_based_actor* self) {
    self->request(membership, timeout, get_atom::value)
      .then([done](cluster::cluster_view& view) { done(std::move(view)); },
            [done](caf::error& err) { done(std::move(err)); });
  });
}

} // namespace tidewire::api
