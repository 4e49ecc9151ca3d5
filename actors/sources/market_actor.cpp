#include <chrono>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/sources/market.hpp"
#include "actors/sources/sources.hpp"

namespace tidewire {

namespace {

// Prices move one step per 250 ms of wall-clock time, however often each
// channel samples them. Steps are taken lazily when a view is asked for, so
// an idle market costs nothing (and tests need no timer).
constexpr int64_t price_step_ms = 250;
constexpr int64_t max_catch_up_steps = 40;

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

struct market_state {
  static inline const char* name = "tidewire.market";
  std::optional<market> book;
  int64_t last_step_ms = 0;
};

using market_actor = caf::stateful_actor<market_state>;

// CAF 0.17 constructs a state from the actor pointer whenever that compiles,
// and C++20 lets aggregates take parentheses: the first member must not
// accept a pointer (a bool or a caf::actor would).
static_assert(!std::is_constructible_v<market_state, market_actor*>);

caf::behavior market_behavior(market_actor* self, uint64_t seed) {
  self->state.last_step_ms = wall_clock_ms();
  self->state.book.emplace(seed, self->state.last_step_ms);
  return {
    [self](get_atom, const std::string& channel) -> caf::result<std::string> {
      auto& st = self->state;
      auto& book = *st.book;
      auto now = wall_clock_ms();
      auto steps = std::min((now - st.last_step_ms) / price_step_ms,
                            max_catch_up_steps);
      for (int64_t i = 0; i < steps; ++i)
        book.step();
      if (steps > 0)
        st.last_step_ms = now;
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
