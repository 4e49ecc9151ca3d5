#include "net/cluster_metrics.hpp"

#include <cstdio>

#include "net/metric_text.hpp"

namespace tidewire::net {

namespace {

void series(std::string& out, const char* name, const char* type,
            const char* help, const std::string& value) {
  metric_header(out, name, type, help);
  metric_sample(out, name, value);
}

} // namespace

std::string render_replication(const std::vector<channel_info>& channels) {
  uint64_t owner = 0, replica = 0, relay = 0;
  uint64_t replicated = 0, waits = 0, wait_us = 0, lag = 0, changes = 0;
  for (const auto& c : channels) {
    const auto& s = c.cluster;
    owner += s.role == "owner";
    replica += s.role == "replica";
    relay += s.role == "relay";
    replicated += s.replicated;
    waits += s.replica_waits;
    wait_us += s.replica_wait_us;
    lag += s.lag;
    changes += s.ownership_changes;
  }
  std::string out;
  metric_header(out, "tidewire_cluster_channels", "gauge",
                "Channels this node serves, by its role for them.");
  out += "tidewire_cluster_channels{role=\"owner\"} " + std::to_string(owner)
         + '\n';
  out += "tidewire_cluster_channels{role=\"replica\"} "
         + std::to_string(replica) + '\n';
  out += "tidewire_cluster_channels{role=\"relay\"} " + std::to_string(relay)
         + '\n';
  series(out, "tidewire_cluster_replicated_records_total", "counter",
         "Records of channels owned here that the replica confirmed (sync) or"
         " was sent (async).",
         std::to_string(replicated));
  series(out, "tidewire_cluster_replica_waits_total", "counter",
         "Batches that waited for the replica before they were acknowledged"
         " (sync).",
         std::to_string(waits));
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.6f",
                static_cast<double>(wait_us) / 1e6);
  series(out, "tidewire_cluster_replica_wait_seconds_total", "counter",
         "Time those batches waited for the replica.", seconds);
  series(out, "tidewire_cluster_follower_lag_records", "gauge",
         "Records owners have that this node's followers (replicas, relays)"
         " do not serve yet.",
         std::to_string(lag));
  series(out, "tidewire_cluster_ownership_changes_total", "counter",
         "Times a channel actor here became or stopped being its channel's"
         " owner (failover, rejoin).",
         std::to_string(changes));
  return out;
}

} // namespace tidewire::net
