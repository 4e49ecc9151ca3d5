#include "io_pool.hpp"

namespace tidewire::bench {

io_pool::io_pool(size_t threads)
  : ioc_(static_cast<int>(threads)), work_(ioc_.get_executor()) {
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { ioc_.run(); });
}

io_pool::~io_pool() {
  stop();
}

void io_pool::stop() {
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

bool to_endpoint(const node_address& node, boost::asio::ip::tcp::endpoint* out,
                 std::string* error) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(node.host, ec);
  if (ec) {
    *error = "not a numeric address: " + node.host;
    return false;
  }
  *out = {address, node.port};
  return true;
}

} // namespace tidewire::bench
