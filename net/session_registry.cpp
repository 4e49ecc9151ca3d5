#include "net/session_registry.hpp"

#include <boost/asio/post.hpp>

#include "net/websocket_session.hpp"

namespace tidewire::net {

namespace asio = boost::asio;

session_registry::session_registry(asio::io_context& ioc)
  : strand_(asio::make_strand(ioc)) {
}

void session_registry::add(uint64_t id,
                           std::shared_ptr<websocket_session> session) {
  // Holds the session until admitted: nothing else does meanwhile.
  asio::post(strand_, [this, id, session = std::move(session)] {
    if (closing_)
      return session->close(close_code_, close_reason_);
    sessions_.emplace(id, session);
    session->admitted();
  });
}

void session_registry::remove(uint64_t id) {
  asio::post(strand_, [this, id] { sessions_.erase(id); });
}

void session_registry::close_all(uint16_t code, std::string reason) {
  asio::post(strand_, [this, code, reason = std::move(reason)] {
    closing_ = true;
    close_code_ = code;
    close_reason_ = reason;
    for (auto& [id, weak] : sessions_)
      if (auto s = weak.lock())
        s->close(code, reason);
  });
}

void session_registry::abandon_all() {
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, weak] : sessions)
    if (auto s = weak.lock())
      s->abandon();
}

} // namespace tidewire::net
