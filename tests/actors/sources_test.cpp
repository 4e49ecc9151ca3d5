#define CAF_SUITE actors.sources
#include "caf/test/dsl.hpp"
#include "caf/test/unit_test_impl.hpp"

#include "actors/directory.hpp"
#include "actors/sources/market.hpp"
#include "actors/sources/merge_diff.hpp"
#include "actors/sources/sources.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace tidewire;
using namespace tidewire::test;

CAF_TEST_FIXTURE_SCOPE(sources_tests, actor_fixture)

CAF_TEST(merge_diff yields the patch that turns one document into another) {
  json from = {{"a", 1}, {"b", {{"c", 1}, {"d", 2}}}, {"gone", true}};
  json to = {{"a", 1}, {"b", {{"c", 5}, {"d", 2}}}, {"new", "x"}};
  auto patch = merge_diff(from, to);
  CAF_CHECK_EQUAL(patch, json({{"b", {{"c", 5}}}, {"gone", nullptr}, {"new", "x"}}));
  auto applied = from;
  applied.merge_patch(patch);
  CAF_CHECK_EQUAL(applied, to);
  CAF_CHECK(merge_diff(to, to).empty());
}

CAF_TEST(the market numbers agree with each other) {
  market book{42, 1'000};
  for (int i = 0; i < 200; ++i) {
    book.step();
    book.execute_trade(1'000 + i);
  }
  auto dash = book.dashboard(2'000);
  auto positions = book.positions().at("positions");
  double market_value = 0;
  for (auto& [symbol, pos] : positions.items())
    market_value += pos.at("market_value").get<double>();
  auto expected = dash.at("cash").get<double>() + market_value;
  CAF_CHECK_LESS(std::abs(dash.at("total_value").get<double>() - expected),
                 0.01 * static_cast<double>(positions.size() + 1));
  CAF_CHECK_EQUAL(dash.at("open_positions").get<size_t>(), positions.size());
  auto perf = book.performance(2'000);
  CAF_CHECK_EQUAL(perf.at("trades"), 200);
  CAF_CHECK_EQUAL(perf.at("win_rate"), dash.at("win_rate"));
  CAF_CHECK_GREATER_OR_EQUAL(dash.at("cash").get<double>(), 0.0);
}

CAF_TEST(a state source publishes merge patches its channel can rebuild) {
  directory_config cfg;
  // The deterministic scheduler fires every pending timeout in run(), so
  // the periodic idle-channel sweep would never let it finish.
  cfg.idle_retire = std::chrono::seconds(0);
  cfg.decls = default_channel_decls();
  cfg.limits = test_limits();
  auto dir = spawn_directory(sys, cfg);
  run();
  auto market = spawn_market(sys, 7);
  run();
  auto source = spawn_source(sys, "dashboard", std::chrono::milliseconds(100),
                             market, dir);
  // The source re-arms its timer forever, so this drives the scheduler with
  // consume_messages() (run() would fire timeouts without end).
  consume_messages();
  for (int i = 0; i < 5; ++i) {
    advance_time(std::chrono::milliseconds(100));
    consume_messages();
  }
  anon_send_exit(source, caf::exit_reason::user_shutdown);
  consume_messages();
  self->send(dir, get_atom::value, std::string{"dashboard"});
  run();
  caf::actor ch;
  self->receive([&](caf::actor& x) { ch = x; });
  auto doc = ask<state_doc>(ch, state_atom::value);
  // A tick whose view equals the last one publishes nothing.
  CAF_CHECK_GREATER_OR_EQUAL(doc.seq, 1u);
  CAF_CHECK_LESS_OR_EQUAL(doc.seq, 6u);
  auto data = json::parse(doc.data_json);
  CAF_CHECK(data.contains("total_value"));
  CAF_CHECK(data.contains("win_rate"));
  CAF_CHECK(data.contains("open_positions"));
}

CAF_TEST_FIXTURE_SCOPE_END()
