#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tidewire {

// The two subprotocols a connection may speak (docs/protocol.md).
enum class wire_format : uint8_t { json, msgpack };

// One server-to-client message, encoded once and shared, immutable, by
// every connection it goes to. It is built as JSON; its MessagePack form is
// made from that JSON the first time a `tidewire.v1.msgpack` connection
// needs it (on whichever thread asks first; std::call_once makes the others
// wait for that one encoding) and kept with it, so a channel whose
// subscribers all speak JSON never pays for MessagePack, and every
// MessagePack subscriber, live or catching up, shares one encoding too.
class encoded_frame {
public:
  explicit encoded_frame(std::string json) : json_(std::move(json)) {}

  const std::string& json() const {
    return json_;
  }

  const std::string& msgpack() const;

  const std::string& in(wire_format format) const {
    return format == wire_format::json ? json_ : msgpack();
  }

private:
  std::string json_;
  mutable std::once_flag msgpack_once_;
  mutable std::string msgpack_;
};

// An encoded server-to-client message. Encoded once per update by the
// channel actor and shared, immutable, by every subscriber.
using frame = std::shared_ptr<const encoded_frame>;

inline frame make_frame(std::string json) {
  return std::make_shared<const encoded_frame>(std::move(json));
}

// The frames of one delivery (a channel's batch, a catch-up chunk, a reply):
// built once and handed, immutable, to every subscriber it is for, so a
// fan-out to N sessions copies one pointer N times, not N vectors of frames.
using frame_batch = std::shared_ptr<const std::vector<frame>>;

inline frame_batch make_batch(std::vector<frame> frames) {
  return std::make_shared<const std::vector<frame>>(std::move(frames));
}

// Bytes of a batch's frames in `format`, as a session accounts them (a
// MessagePack connection's count encodes the frames that are not yet).
inline uint64_t batch_bytes(const std::vector<frame>& frames,
                            wire_format format) {
  uint64_t bytes = 0;
  for (auto& f : frames)
    bytes += f->in(format).size();
  return bytes;
}

} // namespace tidewire
