#include "net/metrics.hpp"

#include "net/metric_text.hpp"

namespace tidewire::net {

namespace {

template <class T>
void emit(std::string& out, const char* name, const char* type,
          const char* help, const std::atomic<T>& value) {
  metric_header(out, name, type, help);
  metric_sample(out, name,
                std::to_string(value.load(std::memory_order_relaxed)));
}

template <class Value>
void emit_per_channel(std::string& out, const char* name, const char* help,
                      const std::vector<channel_info>& channels,
                      Value value) {
  metric_header(out, name, "gauge", help);
  for (const auto& c : channels) {
    out += name;
    out += "{channel=\"" + label_value(c.name) + "\",kind=\""
           + label_value(c.kind) + "\"} ";
    out += std::to_string(value(c));
    out += '\n';
  }
}

} // namespace

std::string metrics::render() const {
  std::string out;
  emit(out, "tidewire_http_connections_open", "gauge",
       "Open HTTP connections (not upgraded).", http_connections_open);
  emit(out, "tidewire_http_requests_total", "counter",
       "HTTP requests read.", http_requests_total);
  emit(out, "tidewire_http_publish_requests_total", "counter",
       "Publish requests received over HTTP.", http_publishes_total);
  emit(out, "tidewire_ws_connections_open", "gauge",
       "Open WebSocket connections.", ws_connections_open);
  emit(out, "tidewire_ws_connections_total", "counter",
       "WebSocket connections accepted.", ws_connections_total);
  emit(out, "tidewire_ws_messages_in_total", "counter",
       "WebSocket messages read from clients.", ws_messages_in_total);
  emit(out, "tidewire_ws_bytes_in_total", "counter",
       "Payload bytes of WebSocket messages read.", ws_bytes_in_total);
  emit(out, "tidewire_ws_messages_out_total", "counter",
       "WebSocket messages written to clients.", ws_messages_out_total);
  emit(out, "tidewire_ws_frames_out_total", "counter",
       "Protocol messages written (a batch counts each).", ws_frames_out_total);
  emit(out, "tidewire_ws_bytes_out_total", "counter",
       "Payload bytes of WebSocket messages written.", ws_bytes_out_total);
  emit(out, "tidewire_ws_protocol_errors_total", "counter",
       "Client messages rejected by validation.", ws_protocol_errors_total);
  emit(out, "tidewire_http_rate_limited_total", "counter",
       "HTTP requests answered 429 (rate_limited).", http_rate_limited_total);
  emit(out, "tidewire_http_refused_total", "counter",
       "HTTP requests refused for their framing or Origin.",
       http_refused_total);
  emit(out, "tidewire_auth_failures_total", "counter",
       "Requests and WebSocket messages whose token was missing or refused.",
       auth_failures_total);
  emit(out, "tidewire_connections_refused_total", "counter",
       "Connections refused by --max-connections or --max-connections-per-ip.",
       connections_refused_total);
  emit(out, "tidewire_ws_abuse_closes_total", "counter",
       "WebSockets dropped for abuse (1008 or 1013).", ws_abuse_closes_total);
  emit(out, "tidewire_tls_handshake_failures_total", "counter",
       "Connections to the TLS port that failed the handshake or spoke "
       "plain HTTP.",
       tls_handshake_failures_total);
  return out;
}

std::string render_channels(const std::vector<channel_info>& channels) {
  std::string out;
  metric_header(out, "tidewire_channels", "gauge",
                "Channels this node holds.");
  metric_sample(out, "tidewire_channels", std::to_string(channels.size()));
  emit_per_channel(out, "tidewire_channel_head_seq",
                   "Last seq assigned in the channel's current epoch.",
                   channels, [](const channel_info& c) { return c.head; });
  emit_per_channel(out, "tidewire_channel_retained_updates",
                   "Updates a resume can still be served from.", channels,
                   [](const channel_info& c) {
                     return c.head >= c.first ? c.head - c.first + 1 : 0;
                   });
  emit_per_channel(out, "tidewire_channel_subscribers",
                   "Subscriptions, live or catching up.", channels,
                   [](const channel_info& c) { return c.subscribers; });
  return out;
}

std::string render_cluster(const cluster::cluster_view& view) {
  std::string out;
  size_t up = 0;
  for (const auto& m : view.members)
    up += m.up ? 1 : 0;
  metric_header(out, "tidewire_cluster_members", "gauge",
                "Configured cluster members (this node included) by state.");
  out += "tidewire_cluster_members{state=\"up\"} " + std::to_string(up) + '\n';
  out += "tidewire_cluster_members{state=\"down\"} "
         + std::to_string(view.members.size() - up) + '\n';
  metric_header(out, "tidewire_cluster_member_up", "gauge",
                "1 while this node sees the member up, 0 while it is down.");
  for (const auto& m : view.members)
    out += "tidewire_cluster_member_up{member=\"" + label_value(m.name)
           + "\"} " + (m.up ? "1" : "0") + '\n';
  metric_header(out, "tidewire_cluster_quorum", "gauge",
                "1 while this node sees a majority of the configured members.");
  metric_sample(out, "tidewire_cluster_quorum", view.quorum ? "1" : "0");
  return out;
}

} // namespace tidewire::net
