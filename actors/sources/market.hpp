#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tidewire {

// A small simulated trading book whose numbers agree with each other: a few
// symbols random-walk; trades move cash and positions; the dashboard's total
// value is cash plus the market value of the positions; performance comes
// from realised and unrealised P&L; alerts fire on thresholds. Plain class,
// owned by the market actor.
class market {
public:
  market(uint64_t seed, int64_t now_ms);

  // Moves every price one random-walk step.
  void step();

  // Executes one random trade and returns it as a `trades` update.
  nlohmann::json execute_trade(int64_t now_ms);

  nlohmann::json dashboard(int64_t now_ms) const;
  nlohmann::json positions() const;
  // Appends the current equity to the curve it reports.
  nlohmann::json performance(int64_t now_ms);
  // The alerts raised since the last call, oldest first.
  std::vector<nlohmann::json> take_alerts(int64_t now_ms);

  double total_value() const;

private:
  struct instrument {
    double price = 0;
    double alert_ref = 0; // price at the last move alert
  };
  struct position {
    int64_t qty = 0;
    double avg_price = 0;
  };

  double unrealized() const;
  void raise(std::string severity, std::string message, std::string symbol,
             int64_t now_ms);

  std::mt19937_64 rng_;
  std::map<std::string, instrument> instruments_;
  std::map<std::string, position> positions_;
  double initial_value_;
  double cash_;
  double realized_ = 0;
  uint64_t closing_trades_ = 0;
  uint64_t winning_trades_ = 0;
  uint64_t trade_count_ = 0;
  bool drawdown_alerted_ = false;
  std::vector<std::pair<int64_t, double>> equity_curve_;
  std::vector<nlohmann::json> alerts_;
  uint64_t next_alert_id_ = 1;
};

} // namespace tidewire
