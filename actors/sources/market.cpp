#include "actors/sources/market.hpp"

#include <cmath>

namespace tidewire {

namespace {

using json = nlohmann::json;

constexpr double starting_cash = 50'000.0;
constexpr size_t curve_points = 120;
constexpr double move_alert_ratio = 0.015;  // a 1.5% move since the last alert
constexpr double drawdown_alert_ratio = -0.02;
constexpr double large_trade_notional = 10'000.0;

double round_cents(double x) {
  return std::round(x * 100.0) / 100.0;
}

} // namespace

market::market(uint64_t seed, int64_t now_ms)
  : rng_(seed), initial_value_(starting_cash), cash_(starting_cash) {
  for (auto [symbol, price] : {std::pair{"ACME", 12.50}, {"GLOBX", 48.20},
                               {"INITech", 97.10}, {"UMBR", 23.75},
                               {"WAYNE", 151.40}})
    instruments_[symbol] = instrument{price, price};
  equity_curve_.emplace_back(now_ms, starting_cash);
}

void market::step() {
  std::normal_distribution<double> noise{0.0, 0.004};
  for (auto& [symbol, inst] : instruments_)
    inst.price = std::max(0.01, inst.price * std::exp(noise(rng_)));
}

json market::execute_trade(int64_t now_ms) {
  std::uniform_int_distribution<size_t> pick{0, instruments_.size() - 1};
  auto it = std::next(instruments_.begin(), static_cast<long>(pick(rng_)));
  const auto& symbol = it->first;
  double price = round_cents(it->second.price);
  auto& pos = positions_[symbol];
  std::bernoulli_distribution sell_half{0.5};
  std::uniform_int_distribution<int64_t> lots{1, 10};
  json trade{{"id", "T" + std::to_string(++trade_count_)},
             {"symbol", symbol},
             {"price", price},
             {"ts", now_ms}};
  double realized = 0;
  int64_t qty = 0;
  if (pos.qty > 0 && (sell_half(rng_) || cash_ < price * 10)) {
    qty = std::min(pos.qty, lots(rng_) * 10);
    realized = round_cents((price - pos.avg_price) * static_cast<double>(qty));
    cash_ += price * static_cast<double>(qty);
    pos.qty -= qty;
    realized_ += realized;
    ++closing_trades_;
    if (realized > 0)
      ++winning_trades_;
    trade["side"] = "sell";
  } else {
    qty = lots(rng_) * 10;
    while (qty > 10 && price * static_cast<double>(qty) > cash_)
      qty -= 10;
    cash_ -= price * static_cast<double>(qty);
    pos.avg_price = (pos.avg_price * static_cast<double>(pos.qty)
                     + price * static_cast<double>(qty))
                    / static_cast<double>(pos.qty + qty);
    pos.qty += qty;
    trade["side"] = "buy";
  }
  if (pos.qty == 0)
    positions_.erase(symbol);
  trade["qty"] = qty;
  trade["realized_pnl"] = realized;
  if (price * static_cast<double>(qty) >= large_trade_notional)
    raise("info",
          "large " + trade["side"].get<std::string>() + " of "
            + std::to_string(qty) + " " + symbol,
          symbol, now_ms);
  return trade;
}

// Valued at the quoted (cent-rounded) prices the positions channel shows, so
// the dashboard's total equals cash plus the positions' market values.
double market::unrealized() const {
  double sum = 0;
  for (auto& [symbol, pos] : positions_)
    sum += (round_cents(instruments_.at(symbol).price) - pos.avg_price)
           * static_cast<double>(pos.qty);
  return sum;
}

double market::total_value() const {
  double value = cash_;
  for (auto& [symbol, pos] : positions_)
    value += round_cents(instruments_.at(symbol).price)
             * static_cast<double>(pos.qty);
  return value;
}

json market::dashboard(int64_t now_ms) const {
  double win_rate = closing_trades_ == 0
                      ? 0.0
                      : static_cast<double>(winning_trades_)
                          / static_cast<double>(closing_trades_);
  return {{"total_value", round_cents(total_value())},
          {"daily_pnl", round_cents(total_value() - initial_value_)},
          {"open_positions", positions_.size()},
          {"win_rate", std::round(win_rate * 1000.0) / 1000.0},
          {"cash", round_cents(cash_)},
          {"updated_at", now_ms}};
}

json market::positions() const {
  auto out = json::object();
  for (auto& [symbol, pos] : positions_) {
    double last = round_cents(instruments_.at(symbol).price);
    double qty = static_cast<double>(pos.qty);
    out[symbol] = {{"symbol", symbol},
                   {"qty", pos.qty},
                   {"avg_price", round_cents(pos.avg_price)},
                   {"last_price", last},
                   {"market_value", round_cents(last * qty)},
                   {"unrealized_pnl", round_cents((last - pos.avg_price) * qty)}};
  }
  return {{"positions", out}};
}

json market::performance(int64_t now_ms) {
  equity_curve_.emplace_back(now_ms, round_cents(total_value()));
  if (equity_curve_.size() > curve_points)
    equity_curve_.erase(equity_curve_.begin());
  auto curve = json::array();
  for (auto& [ts, equity] : equity_curve_)
    curve.push_back({ts, equity});
  double win_rate = closing_trades_ == 0
                      ? 0.0
                      : static_cast<double>(winning_trades_)
                          / static_cast<double>(closing_trades_);
  return {{"equity_curve_tail", curve},
          {"realized_pnl", round_cents(realized_)},
          {"unrealized_pnl", round_cents(unrealized())},
          {"total_return",
           std::round((total_value() / initial_value_ - 1.0) * 1e6) / 1e6},
          {"win_rate", std::round(win_rate * 1000.0) / 1000.0},
          {"trades", trade_count_}};
}

void market::raise(std::string severity, std::string message,
                   std::string symbol, int64_t now_ms) {
  json alert{{"id", "A" + std::to_string(next_alert_id_++)},
             {"severity", std::move(severity)},
             {"message", std::move(message)},
             {"ts", now_ms}};
  if (!symbol.empty())
    alert["symbol"] = std::move(symbol);
  alerts_.push_back(std::move(alert));
}

std::vector<json> market::take_alerts(int64_t now_ms) {
  for (auto& [symbol, inst] : instruments_) {
    double move = inst.price / inst.alert_ref - 1.0;
    if (std::abs(move) >= move_alert_ratio) {
      char text[96];
      snprintf(text, sizeof text, "%s moved %+.1f%% to %.2f", symbol.c_str(),
               move * 100.0, inst.price);
      raise(std::abs(move) >= 2 * move_alert_ratio ? "warning" : "info", text,
            symbol, now_ms);
      inst.alert_ref = inst.price;
    }
  }
  double day = total_value() / initial_value_ - 1.0;
  if (day <= drawdown_alert_ratio && !drawdown_alerted_) {
    raise("critical", "daily P&L below -2% of starting value", {}, now_ms);
    drawdown_alerted_ = true;
  } else if (day > drawdown_alert_ratio / 2) {
    drawdown_alerted_ = false;
  }
  return std::exchange(alerts_, {});
}

} // namespace tidewire
