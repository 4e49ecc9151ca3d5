#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/client_stream.hpp"

namespace tidewire::net {

struct server_state;
struct api_response;

// One HTTP/1.1 connection on its own strand: keep-alive, one request at a
// time, body limit and timeouts; with --tls-cert-file it first completes a
// TLS handshake (bounded by the handshake timeout). Serves static files, health, readiness,
// metrics and the REST API, and hands `GET /ws` upgrades to a
// websocket_session.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  // `slot` is the connection's place in the listener's connection limits,
  // held for the connection's life (handed on to a websocket_session).
  http_session(boost::asio::ip::tcp::socket&& socket,
               std::shared_ptr<server_state> state, uint64_t conn_id,
               std::shared_ptr<void> slot);
  ~http_session();

  void run();

private:
  void start_tls();
  void on_tls_start(client_stream::tls_start outcome,
                    boost::system::error_code ec);
  void refuse_plain_http();
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void handle(request& req);
  void upgrade(request& req, std::string_view path, std::string_view query);
  void serve_api(request& req, std::string_view path, std::string_view query);
  void refuse(unsigned status, std::string_view code, std::string_view message,
              unsigned version);
  void serve_metrics(bool keep_alive, unsigned version);
  void send_metrics(std::string actor_lines, bool keep_alive, unsigned version);
  void serve_readiness(bool keep_alive, unsigned version);
  void serve_file(const request& req, std::string_view path);
  void send_json(unsigned status, std::string body, bool keep_alive,
                 unsigned version, std::string_view allow = {});
  void send_api(const api_response& res, bool keep_alive, unsigned version);
  template <class Response>
  void send(Response&& res);
  void on_write(bool close, boost::system::error_code ec, std::size_t bytes);
  void do_close();

  client_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<server_state> state_;
  const uint64_t id_;
  std::optional<boost::beast::http::request_parser<
    boost::beast::http::string_body>>
    parser_;
  std::shared_ptr<void> res_; // the response being written
  // The Origin granted to the current request's CORS answer ("" for none).
  std::string cors_origin_;
  std::shared_ptr<void> slot_;
  bool upgraded_ = false;
};

} // namespace tidewire::net
