#pragma once

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "node_process.hpp"

namespace tidewire::bench {

// The network threads of one benchmark run: one io_context, run by a fixed
// number of threads from construction until stop(). Each connection lives on
// its own strand of it. Connections still holding handlers when the pool
// stops are destroyed with the io_context, so results are read after stop()
// and before the pool goes.
class io_pool {
public:
  explicit io_pool(size_t threads);
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;
  ~io_pool();

  boost::asio::io_context& context() {
    return ioc_;
  }

  // Stops the io_context and joins the threads; no handler runs afterwards.
  void stop();

private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

// The node's address as an endpoint; false with a message in *error when the
// host is not a numeric address.
bool to_endpoint(const node_address& node, boost::asio::ip::tcp::endpoint* out,
                 std::string* error);

} // namespace tidewire::bench
