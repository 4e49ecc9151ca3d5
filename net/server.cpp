#include "net/server.hpp"

#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "actors/errors.hpp"
#include "net/listener.hpp"
#include "net/server_state.hpp"

namespace tidewire::net {

namespace asio = boost::asio;

server_state::server_state(caf::actor_system& sys, caf::actor directory,
                           caf::actor membership, server_config cfg)
  : sys(sys),
    directory(std::move(directory)),
    membership(std::move(membership)),
    cfg(std::move(cfg)),
    registry(ioc) {
  std::random_device rd;
  std::uniform_int_distribution<uint32_t> dist;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", dist(rd));
  session_prefix_ = buf;
}

uint64_t server_state::next_conn_id() {
  return next_conn_id_.fetch_add(1, std::memory_order_relaxed);
}

std::string server_state::session_id(uint64_t conn_id) const {
  return session_prefix_ + "-" + std::to_string(conn_id);
}

struct server::impl {
  std::shared_ptr<server_state> state;
  std::shared_ptr<listener> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
    work;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

server::server(caf::actor_system& sys, caf::actor directory,
               caf::actor membership, server_config cfg)
  : impl_(std::make_unique<impl>()) {
  impl_->state = std::make_shared<server_state>(
    sys, std::move(directory), std::move(membership), std::move(cfg));
}

server::~server() {
  stop();
}

caf::expected<uint16_t> server::start() {
  auto& st = *impl_->state;
  if (impl_->started)
    return make_error(errc::internal, "server already started");
  impl_->acceptor = std::make_shared<listener>(impl_->state);
  if (auto err = impl_->acceptor->open(st.cfg.host, st.cfg.port);
      !err.empty())
    return make_error(errc::unavailable, std::move(err));
  auto port = impl_->acceptor->port();
  impl_->acceptor->run();
  impl_->work.emplace(st.ioc.get_executor());
  auto n = std::max(1, st.cfg.io_threads);
  for (int i = 0; i < n; ++i)
    impl_->threads.emplace_back([state = impl_->state] {
      // A handler that throws must not take the node down silently.
      for (;;) {
        try {
          state->ioc.run();
          return;
        } catch (const std::exception& e) {
          std::cerr << "tidewire: exception on an io thread: " << e.what()
                    << '\n';
        }
      }
    });
  impl_->started = true;
  return port;
}

void server::set_ready(bool ready) {
  impl_->state->ready.store(ready);
}

void server::drain() {
  auto& st = *impl_->state;
  st.draining.store(true);
  if (!impl_->started || impl_->stopped)
    return;
  impl_->acceptor->stop(std::chrono::seconds(1));
  st.registry.close_all(boost::beast::websocket::close_code::going_away,
                        "node shutting down");
  // Bounded: a client that never answers the close handshake is cut by
  // stop(); polling is fine on the main thread during shutdown.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (st.stats.ws_connections_open.load() > 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void server::stop() {
  if (!impl_ || impl_->stopped)
    return;
  impl_->stopped = true;
  if (!impl_->started)
    return;
  impl_->work.reset();
  impl_->state->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
  impl_->acceptor->close_now(); // the port is free even if drain() was skipped
  // No io thread runs any more: session actors still attached to a
  // connection learn that it is gone, and quit.
  impl_->state->registry.abandon_all();
  // Handlers left in the stopped io_context may keep the state alive until
  // exit; it must not keep the directory (and through it, every actor it
  // references) alive too, or the actor system cannot shut down.
  impl_->state->directory = caf::actor{};
  impl_->state->membership = caf::actor{};
}

} // namespace tidewire::net
