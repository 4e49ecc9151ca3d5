#pragma once

// A tiny blocking WebSocket client (Beast, synchronous) that publishes over
// the node's protocol, in JSON or MessagePack (tidewire.v1.msgpack). Only for
// tools/replay; not thread-safe: one caller at a time.

#include <cstdint>
#include <memory>
#include <string>

namespace tidewire::replay {

struct ws_target {
  std::string host;
  std::string port;
  std::string path; // "/ws" unless the URL names it
  std::string text; // the URL as given
};

// Usage error unless `url` is ws://HOST[:PORT][/ws].
ws_target parse_ws_url(const std::string& url);

// The subprotocol named by --protocol: "json" or "msgpack" (usage error
// otherwise).
bool msgpack_protocol(const std::string& name);

class ws_client {
public:
  ws_client(ws_target target, bool msgpack);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Connects, completes the handshake (offering only the chosen
  // subprotocol) and reads `welcome`; runtime error "cannot reach node at
  // URL: reason" otherwise.
  void connect();

  // Publishes `data_json` (JSON text, sent exactly: numbers no float 64
  // holds travel as MessagePack ext 1) to `channel` and waits for the reply
  // to this request: the `published` or `error` message as JSON text.
  std::string publish(const std::string& channel, const std::string& data_json);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tidewire::replay
