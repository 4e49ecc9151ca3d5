#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/atoms.hpp"

namespace tidewire {

// The session actor's view of its network connection. Implemented by net/
// (the WebSocket session) and by fakes in tests.
//
// Both members may be called from any thread: implementations post to their
// own strand. The session actor calls deliver() again only after the
// connection reported the previous batch written (written_atom), so at most
// one batch is in flight per connection.
class client_link {
public:
  virtual ~client_link() = default;

  // Sends `frames` as one WebSocket message: the frame itself when there is
  // one, a JSON array of them when there are several.
  virtual void deliver(std::vector<frame> frames) = 0;

  // Closes the connection with a WebSocket close code and reason.
  virtual void close(uint16_t code, std::string reason) = 0;
};

} // namespace tidewire
