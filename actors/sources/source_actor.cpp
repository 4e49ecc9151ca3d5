#include <chrono>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/sources/merge_diff.hpp"
#include "actors/sources/sources.hpp"

namespace tidewire {

namespace {

using json = nlohmann::json;

constexpr auto request_timeout = std::chrono::seconds(10);

struct source_state {
  static inline const char* name = "tidewire.source";
  std::string channel_name;
  std::chrono::milliseconds interval{1000};
  caf::actor market;
  caf::actor directory;
  caf::actor channel;
  bool is_state = false;
  json last; // state channels: the document as last published
};

using source_actor = caf::stateful_actor<source_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<source_state, source_actor*>);

void schedule(source_actor* self) {
  self->delayed_send(self, self->state.interval, tick_atom::value);
}

void publish_all(source_actor* self, std::vector<json> updates,
                 json published_doc) {
  auto& st = self->state;
  if (updates.empty()) {
    schedule(self);
    return;
  }
  auto remaining = std::make_shared<size_t>(updates.size());
  for (auto& update : updates)
    self
      ->request(st.channel, request_timeout, publish_atom::value, update.dump())
      .then(
        [self, remaining, published_doc](const publish_ack&) {
          if (--*remaining == 0) {
            if (self->state.is_state)
              self->state.last = published_doc;
            schedule(self);
          }
        },
        [self, remaining](caf::error&) {
          // The next tick diffs against the last acknowledged document, so
          // a lost publish is repaired by the next one.
          if (--*remaining == 0)
            schedule(self);
        });
}

void sample(source_actor* self) {
  auto& st = self->state;
  self->request(st.market, request_timeout, get_atom::value, st.channel_name)
    .then(
      [self](const std::string& text) {
        auto& st = self->state;
        auto view = json::parse(text, nullptr, false);
        if (st.is_state) {
          auto patch = merge_diff(st.last, view);
          if (patch.empty())
            publish_all(self, {}, {});
          else
            publish_all(self, {std::move(patch)}, std::move(view));
        } else if (view.is_array()) {
          publish_all(self, view.get<std::vector<json>>(), {});
        } else {
          publish_all(self, {std::move(view)}, {});
        }
      },
      [self](caf::error&) { schedule(self); });
}

caf::behavior source_behavior(source_actor* self, std::string channel,
                              std::chrono::milliseconds interval,
                              caf::actor market, caf::actor directory) {
  auto& st = self->state;
  st.channel_name = std::move(channel);
  st.interval = interval;
  st.market = std::move(market);
  st.directory = std::move(directory);
  // Resolve the channel and, for a state channel, start from its stored
  // document so the first patch after a restart is a real diff.
  self->request(st.directory, request_timeout, get_atom::value, st.channel_name)
    .await(
      [self](const caf::actor& channel) {
        self->state.channel = channel;
        self->request(channel, request_timeout, state_atom::value)
          .await(
            [self](const state_doc& doc) {
              self->state.is_state = true;
              self->state.last = json::parse(doc.data_json, nullptr, false);
            },
            [](caf::error&) { /* a stream channel */ });
      },
      [self](caf::error& err) { self->quit(err); });
  schedule(self);
  return {
    [self](tick_atom) { sample(self); },
  };
}

} // namespace

caf::actor spawn_source(caf::actor_system& sys, std::string channel,
                        std::chrono::milliseconds interval, caf::actor market,
                        caf::actor directory) {
  return sys.spawn(source_behavior, std::move(channel), interval,
                   std::move(market), std::move(directory));
}

std::vector<caf::actor> spawn_sources(caf::actor_system& sys,
                                      caf::actor directory,
                                      const source_settings& settings) {
  auto seed = settings.seed != 0
                ? settings.seed
                : static_cast<uint64_t>(
                    std::chrono::system_clock::now().time_since_epoch().count());
  auto market = spawn_market(sys, seed);
  std::vector<caf::actor> actors;
  for (auto& [channel, interval] : settings.intervals)
    actors.push_back(spawn_source(sys, channel, interval, market, directory));
  actors.push_back(market);
  return actors;
}

} // namespace tidewire
