#define CAF_SUITE net.read_buffer
#include "caf/test/unit_test.hpp"

#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "net/read_buffer.hpp"

// A real WebSocket pair on 127.0.0.1: the client writes with blocking calls
// on its own thread, the server reads asynchronously into a read_buffer, as
// a connection does.

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using tidewire::net::read_buffer;

namespace {

struct ws_pair {
  asio::io_context ioc;
  websocket::stream<tcp::socket> server{ioc};
  websocket::stream<tcp::socket> client{ioc};

  explicit ws_pair(bool deflate = false) {
    websocket::permessage_deflate pmd;
    pmd.server_enable = deflate;
    pmd.client_enable = deflate;
    server.set_option(pmd);
    client.set_option(pmd);
    tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    client.next_layer().connect(acceptor.local_endpoint());
    acceptor.accept(server.next_layer());
    std::thread t{[this] { client.handshake("127.0.0.1", "/"); }};
    server.accept();
    t.join();
  }

  // Reads one message on the server; returns its text, or the error.
  std::string read(read_buffer& buf, size_t* pending_capacity = nullptr) {
    bool done = false;
    boost::system::error_code error;
    server.async_read(buf, [&](boost::system::error_code ec, size_t) {
      error = ec;
      done = true;
    });
    if (pending_capacity)
      *pending_capacity = buf.capacity(); // the read waits for data now
    ioc.restart();
    while (!done && ioc.run_one() > 0) {
    }
    if (error)
      return "error: " + error.message();
    return boost::beast::buffers_to_string(buf.data());
  }

  // Writes `messages` from the client's own thread while `body` runs here.
  // With `then_read`, the client then reads until the server closes.
  template <class F>
  void while_client_writes(std::vector<std::string> messages, F body,
                           bool then_read = false) {
    std::thread t{[this, messages, then_read] {
      boost::system::error_code ec;
      for (auto& m : messages)
        client.write(asio::buffer(m), ec);
      boost::beast::flat_buffer sink;
      while (then_read && !ec)
        client.read(sink, ec);
    }};
    body();
    t.join();
  }
};

} // namespace

CAF_TEST(a waiting read holds at most one byte and a large message is given back) {
  ws_pair ws;
  read_buffer buf;
  CAF_CHECK_EQUAL(buf.capacity(), 0u);
  std::string large(100 * 1024, 'x');
  large.front() = '[';
  large.back() = ']';
  size_t waiting = 99;
  ws.while_client_writes({large, "small"}, [&] {
    // Beast prepares room before data arrives; a plain flat_buffer would
    // hold 1536 bytes here on every idle connection.
    CAF_CHECK_EQUAL(ws.read(buf, &waiting), large);
    CAF_CHECK_LESS_OR_EQUAL(waiting, 1u);
    CAF_CHECK_GREATER_OR_EQUAL(buf.capacity(), large.size());
    buf.release();
    CAF_CHECK_EQUAL(buf.capacity(), 0u);
    CAF_CHECK_EQUAL(buf.size(), 0u);
    CAF_CHECK_EQUAL(ws.read(buf, &waiting), "small");
    CAF_CHECK_LESS_OR_EQUAL(waiting, 1u);
    CAF_CHECK_LESS(buf.capacity(), 1024u);
    buf.release();
  });
}

CAF_TEST(messages that arrive together are each read whole) {
  ws_pair ws;
  std::vector<std::string> sent{"a", "", "{\"type\":\"ping\"}",
                                std::string(3000, 'y'), "z"};
  ws.while_client_writes(sent, [&] {
    for (auto& expected : sent) {
      read_buffer buf;
      CAF_CHECK_EQUAL(ws.read(buf), expected);
    }
  });
}

CAF_TEST(a compressed message is read whole) {
  ws_pair ws{true};
  std::string text;
  for (int i = 0; i < 4000; ++i)
    text += "{\"seq\":" + std::to_string(i) + "}";
  read_buffer buf;
  size_t waiting = 99;
  ws.while_client_writes({text}, [&] {
    CAF_CHECK_EQUAL(ws.read(buf, &waiting), text);
    CAF_CHECK_LESS_OR_EQUAL(waiting, 1u);
  });
}

CAF_TEST(a message over the limit fails with message_too_big) {
  ws_pair ws;
  ws.server.read_message_max(1000);
  read_buffer buf;
  ws.while_client_writes({std::string(999, 'a'), std::string(2000, 'b')}, [&] {
    CAF_CHECK_EQUAL(ws.read(buf), std::string(999, 'a'));
    buf.release();
    auto second = ws.read(buf);
    CAF_CHECK_EQUAL(second, "error: "
                              + boost::system::error_code{
                                websocket::error::message_too_big}
                                  .message());
  }, true);
}
