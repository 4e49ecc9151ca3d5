#include "net/metrics.hpp"

namespace tidewire::net {

namespace {

template <class T>
void emit(std::string& out, const char* name, const char* type,
          const char* help, const std::atomic<T>& value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value.load(std::memory_order_relaxed));
  out += '\n';
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
  return out;
}

} // namespace tidewire::net
