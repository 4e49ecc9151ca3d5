#define CAF_SUITE net.metrics
#include "caf/test/unit_test.hpp"

#include <string>

#include "net/metrics.hpp"
#include "tests/net/exposition_lines.hpp"

using namespace tidewire;
using namespace tidewire::net;

CAF_TEST(counters render as Prometheus text) {
  metrics m;
  bump(m.http_rate_limited_total, 3);
  m.ws_connections_open = 2;
  auto text = m.render();
  CAF_CHECK(has_line(text, "# TYPE tidewire_http_rate_limited_total counter"));
  CAF_CHECK(has_line(text, "tidewire_http_rate_limited_total 3"));
  CAF_CHECK(has_line(text, "tidewire_ws_connections_open 2"));
}

CAF_TEST(each channel gets its head retained count and subscribers) {
  std::vector<channel_info> channels{
    {"trades", "stream", "e1", 10, 4, 0, 2, "", "", {}},
    {"positions.acme", "state", "e2", 0, 1, 0, 0, "", "", {}},
  };
  auto text = render_channels(channels);
  CAF_CHECK(has_line(text, "# TYPE tidewire_channels gauge"));
  CAF_CHECK(has_line(text, "tidewire_channels 2"));
  CAF_CHECK(has_line(
    text, R"(tidewire_channel_head_seq{channel="trades",kind="stream"} 10)"));
  CAF_CHECK(has_line(
    text,
    R"(tidewire_channel_retained_updates{channel="trades",kind="stream"} 7)"));
  CAF_CHECK(has_line(
    text, R"(tidewire_channel_subscribers{channel="trades",kind="stream"} 2)"));
  // Nothing published yet: nothing retained (first is head + 1).
  CAF_CHECK(has_line(
    text,
    R"(tidewire_channel_retained_updates{channel="positions.acme",kind="state"} 0)"));
  CAF_CHECK(render_channels({}).find("tidewire_channels 0\n")
            != std::string::npos);
}

CAF_TEST(label values are escaped) {
  std::vector<channel_info> channels{{"a\"b\\c", "stream", "e", 1, 1, 0, 0, "", "", {}}};
  auto text = render_channels(channels);
  CAF_CHECK(has_line(
    text, R"(tidewire_channel_head_seq{channel="a\"b\\c",kind="stream"} 1)"));
}
