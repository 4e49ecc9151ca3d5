#define CAF_SUITE net.cluster_metrics
#include "caf/test/unit_test.hpp"

#include <string>

#include "net/cluster_metrics.hpp"
#include "tests/net/exposition_lines.hpp"

using namespace tidewire;
using namespace tidewire::net;

namespace {

channel_info with(const std::string& role, uint64_t replicated,
                  uint64_t waits, uint64_t wait_us, uint64_t lag,
                  uint64_t changes) {
  channel_info c;
  c.name = "c." + role;
  c.kind = "stream";
  c.cluster.role = role;
  c.cluster.replicated = replicated;
  c.cluster.replica_waits = waits;
  c.cluster.replica_wait_us = wait_us;
  c.cluster.lag = lag;
  c.cluster.ownership_changes = changes;
  return c;
}

} // namespace

CAF_TEST(replication series sum the channels of the node by role) {
  std::vector<channel_info> channels{
    with("owner", 10, 4, 1'500'000, 0, 1),
    with("owner", 5, 2, 250'000, 0, 0),
    with("replica", 0, 0, 0, 3, 2),
    with("relay", 0, 0, 0, 7, 0),
  };
  auto text = render_replication(channels);
  CAF_CHECK(has_line(text, R"(tidewire_cluster_channels{role="owner"} 2)"));
  CAF_CHECK(has_line(text, R"(tidewire_cluster_channels{role="replica"} 1)"));
  CAF_CHECK(has_line(text, R"(tidewire_cluster_channels{role="relay"} 1)"));
  CAF_CHECK(has_line(text, "# TYPE tidewire_cluster_replicated_records_total counter"));
  CAF_CHECK(has_line(text, "tidewire_cluster_replicated_records_total 15"));
  CAF_CHECK(has_line(text, "tidewire_cluster_replica_waits_total 6"));
  CAF_CHECK(has_line(text, "tidewire_cluster_replica_wait_seconds_total 1.750000"));
  CAF_CHECK(has_line(text, "# TYPE tidewire_cluster_follower_lag_records gauge"));
  CAF_CHECK(has_line(text, "tidewire_cluster_follower_lag_records 10"));
  CAF_CHECK(has_line(text, "tidewire_cluster_ownership_changes_total 3"));
  auto empty = render_replication({});
  CAF_CHECK(has_line(empty, "tidewire_cluster_replicated_records_total 0"));
  CAF_CHECK(has_line(empty, R"(tidewire_cluster_channels{role="owner"} 0)"));
}
