#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/sources/market.hpp"
#include "actors/sources/sources.hpp"

namespace tidewire {

namespace {

// Prices move on their own clock, independent of how often each channel
// samples them.
constexpr auto price_step = std::chrono::milliseconds(250);

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

struct market_state {
  static inline const char* name = "tidewire.market";
  std::optional<market> book;
};

using market_actor = caf::stateful_actor<market_state>;

caf::behavior market_behavior(market_actor* self, uint64_t seed) {
  self->state.book.emplace(seed, wall_clock_ms());
  self->delayed_send(self, price_step, tick_atom::value);
  return {
    [self](tick_atom) {
      self->state.book->step();
      self->delayed_send(self, price_step, tick_atom::value);
    },
    [self](get_atom, const std::string& channel) -> caf::result<std::string> {
      auto& book = *self->state.book;
      auto now = wall_clock_ms();
      if (channel == "dashboard")
        return book.dashboard(now).dump();
      if (channel == "positions")
        return book.positions().dump();
      if (channel == "performance")
        return book.performance(now).dump();
      if (channel == "trades")
        return book.execute_trade(now).dump();
      if (channel == "alerts")
        return nlohmann::json(book.take_alerts(now)).dump();
      return make_error(errc::unknown_channel,
                        "the market has no view named " + channel);
    },
  };
}

} // namespace

caf::actor spawn_market(caf::actor_system& sys, uint64_t seed) {
  return sys.spawn(market_behavior, seed);
}

} // namespace tidewire
