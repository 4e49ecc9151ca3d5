#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace tidewire::net {

class websocket_session;

// The live WebSocket sessions of a server, as weak_ptrs, so drain() can close
// them. The map is touched only on the registry's own strand; the public
// members post to it and may be called from any thread.
class session_registry {
public:
  explicit session_registry(boost::asio::io_context& ioc);

  // Admits `session` (which then spawns its actor, see
  // websocket_session::admitted), or closes it when the registry is closing.
  // Admission and the sweeps run on one strand, so every session that has
  // an actor is in the map when close_all or abandon_all runs.
  void add(uint64_t id, std::shared_ptr<websocket_session> session);
  void remove(uint64_t id);

  // Closes every registered session with `code`/`reason`, and every session
  // added later: once closing, the registry admits nobody.
  void close_all(uint16_t code, std::string reason);

  // Tells the actor of every still-registered session that its connection is
  // gone. Only once no io thread runs any more (after server::stop joined
  // them): then nothing else touches the map or the sessions.
  void abandon_all();

private:
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::unordered_map<uint64_t, std::weak_ptr<websocket_session>> sessions_;
  bool closing_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
};

} // namespace tidewire::net
