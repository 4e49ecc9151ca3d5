#include "net/fail.hpp"

#include <iostream>
#include <sstream>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

bool is_noise(boost::system::error_code ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::eof
         || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe
         || ec == asio::error::not_connected
         || ec == beast::error::timeout
         // Beast closes the socket when a WebSocket times out; a read it
         // resumes afterwards can fail with EBADF instead of `timeout`.
         || ec == asio::error::bad_descriptor
         || ec == beast::websocket::error::closed
         || ec == beast::http::error::end_of_stream;
}

void fail(boost::system::error_code ec, const char* what, uint64_t conn_id) {
  if (!ec || is_noise(ec))
    return;
  // One write per line, so lines of concurrent connections do not interleave.
  std::ostringstream line;
  line << "tidewire: connection " << conn_id << ": " << what << ": "
       << ec.message() << '\n';
  std::cerr << line.str() << std::flush;
}

} // namespace tidewire::net
