#include "actors/frame.hpp"

#include "actors/msgpack_wire.hpp"

namespace tidewire {

const std::string& encoded_frame::msgpack() const {
  std::call_once(msgpack_once_,
                 [this] { msgpack_ = msgpack_wire::from_json(json_); });
  return msgpack_;
}

} // namespace tidewire
