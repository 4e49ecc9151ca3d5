#include "net/http_session.hpp"

#include <string>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "net/beast_text.hpp"
#include "net/fail.hpp"
#include "net/handshake.hpp"
#include "net/http_api.hpp"
#include "net/http_rules.hpp"
#include "net/server_state.hpp"
#include "net/url.hpp"
#include "net/websocket_session.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

http_session::http_session(asio::ip::tcp::socket&& socket,
                           std::shared_ptr<server_state> state,
                           uint64_t conn_id, std::shared_ptr<void> slot)
  : stream_(std::move(socket), state->ioc, state->cfg.tls.get()),
    state_(std::move(state)),
    id_(conn_id),
    slot_(std::move(slot)) {
  state_->stats.http_connections_open.fetch_add(1, std::memory_order_relaxed);
}

http_session::~http_session() {
  if (!upgraded_)
    state_->stats.http_connections_open.fetch_sub(1,
                                                  std::memory_order_relaxed);
}

void http_session::run() {
  // Called by the listener, outside the strand: start on it.
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(stream_.tls()
                                             ? &http_session::start_tls
                                             : &http_session::do_read,
                                           shared_from_this()));
}

// On a TLS port the first bytes say whether a TLS client or a plain HTTP
// one is talking; the handshake, bytes seen included, has the handshake
// timeout, so a client that connects and stays silent is dropped.
void http_session::start_tls() {
  stream_.async_start_tls(buffer_, state_->cfg.handshake_timeout,
                          beast::bind_front_handler(&http_session::on_tls_start,
                                                    shared_from_this()));
}

void http_session::on_tls_start(client_stream::tls_start outcome,
                                boost::system::error_code ec) {
  using tls_start = client_stream::tls_start;
  switch (outcome) {
    case tls_start::ready:
      return do_read();
    case tls_start::plain_http:
      return refuse_plain_http();
    case tls_start::detect_failed:
      fail(ec, "tls detect", id_);
      return do_close();
    case tls_start::handshake_failed: {
      // Scanners and clients that do not trust the certificate end up here:
      // logged at most at the rate limit of fail(), then dropped.
      bump(state_->stats.tls_handshake_failures_total);
      fail(ec, "tls handshake", id_);
      boost::system::error_code ignored;
      stream_.tcp().socket().close(ignored);
      return;
    }
  }
}

// A plain-HTTP client on the TLS port gets one plain-text answer saying so
// (it could not read a TLS alert), then the connection is closed.
void http_session::refuse_plain_http() {
  static constexpr std::string_view answer =
    "HTTP/1.1 400 Bad Request\r\nServer: tidewire\r\nContent-Type: "
    "text/plain\r\nConnection: close\r\nContent-Length: 38\r\n\r\n"
    "this port speaks HTTPS: use https://\r\n";
  bump(state_->stats.tls_handshake_failures_total);
  asio::async_write(stream_.tcp(),
                    asio::buffer(answer.data(), answer.size()),
                    [self = shared_from_this()](boost::system::error_code,
                                                std::size_t) {
                      boost::system::error_code ignored;
                      auto& socket = self->stream_.tcp().socket();
                      socket.shutdown(asio::ip::tcp::socket::shutdown_send,
                                      ignored);
                      socket.close(ignored);
                    });
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(state_->cfg.http_body_limit);
  // Covers a slow request and an idle keep-alive connection alike.
  stream_.tcp().expires_after(state_->cfg.idle_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read,
                                             shared_from_this()));
}

void http_session::on_read(boost::system::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream)
    return do_close();
  if (ec == http::error::body_limit) {
    return send_json(413,
                     error_json("too_large",
                                "request body is larger than "
                                  + std::to_string(state_->cfg.http_body_limit)
                                  + " bytes"),
                     false, 11);
  }
  if (ec) {
    if (is_noise(ec))
      return do_close();
    fail(ec, "http read", id_);
    return send_json(400, error_json("bad_request", "malformed HTTP request"),
                     false, 11);
  }
  bump(state_->stats.http_requests_total);
  auto& req = parser_->get();
  std::vector<std::string_view> transfer_encodings;
  for (auto& field : req)
    if (field.name() == http::field::transfer_encoding)
      transfer_encodings.push_back(sv(field.value()));
  if (auto why = framing_error(transfer_encodings,
                               req.count(http::field::content_length) > 0)) {
    // Whatever follows in the buffer may be a smuggled request: answer and
    // close without reading on.
    bump(state_->stats.http_refused_total);
    return send_json(400, error_json("bad_request", *why), false,
                     req.version());
  }
  handle(req);
}

void http_session::refuse(unsigned status, std::string_view code,
                          std::string_view message, unsigned version) {
  bump(state_->stats.http_refused_total);
  send_json(status, error_json(code, message), false, version);
}

void http_session::handle(request& req) {
  auto [path, query] = split(sv(req.target()));
  auto version = req.version();
  auto keep_alive = req.keep_alive();
  cors_origin_.clear();
  bool is_api = path.substr(0, 5) == "/api/";
  bool is_ws = websocket::is_upgrade(req);
  if (is_api || is_ws) {
    // A page on another site may open a WebSocket or call the API from a
    // visitor's browser; its Origin header says so. Only the node's own
    // origin and --allowed-origins pass.
    std::optional<std::string_view> origin;
    if (auto it = req.find(http::field::origin); it != req.end())
      origin = sv(it->value());
    if (!origin_allowed(origin, sv(req[http::field::host]),
                        stream_.tls() != nullptr,
                        state_->cfg.allowed_origins))
      return refuse(403, "forbidden",
                    "Origin " + std::string{origin.value_or("")}
                      + " is not allowed (see --allowed-origins)",
                    version);
    if (origin && is_api)
      cors_origin_ = std::string{*origin};
  }
  if (is_ws)
    return upgrade(req, path, query);
  if (is_api)
    return serve_api(req, path, query);
  bool get = req.method() == http::verb::get;
  if (path == "/healthz" || path == "/livez") {
    if (!get)
      return send_json(405, error_json("method_not_allowed", "use GET"),
                       keep_alive, version, "GET");
    return send_json(200, R"({"status":"ok"})", keep_alive, version);
  }
  if (path == "/readyz") {
    if (!get)
      return send_json(405, error_json("method_not_allowed", "use GET"),
                       keep_alive, version, "GET");
    if (state_->draining.load())
      return send_json(503, R"({"status":"draining"})", keep_alive, version);
    if (!state_->ready.load())
      return send_json(503, R"({"status":"starting"})", keep_alive, version);
    return serve_readiness(keep_alive, version);
  }
  if (path == "/metrics") {
    if (!get)
      return send_json(405, error_json("method_not_allowed", "use GET"),
                       keep_alive, version, "GET");
    return serve_metrics(keep_alive, version);
  }
  if (path == "/ws")
    return send_json(426,
                     error_json("bad_request",
                                "/ws expects a WebSocket upgrade"),
                     keep_alive, version);
  serve_file(req, path);
}

void http_session::upgrade(request& req, std::string_view path,
                           std::string_view query) {
  auto version = req.version();
  if (path != "/ws")
    return send_json(404, error_json("not_found", "WebSocket endpoint is /ws"),
                     false, version);
  if (state_->draining.load())
    return send_json(503, error_json("unavailable", "node shutting down"),
                     false, version);
  auto subprotocol =
    negotiate_subprotocol(sv(req[http::field::sec_websocket_protocol]));
  if (!subprotocol)
    return send_json(400,
                     error_json("bad_request",
                                "unsupported WebSocket subprotocol; this node "
                                "speaks tidewire.v1.json and "
                                "tidewire.v1.msgpack"),
                     false, version);
  // With --auth=jwt a token may come with the handshake; a bad one is refused
  // here, a missing one leaves the connection able to send only `auth`.
  std::optional<auth::claims> claims = auth::claims{};
  if (state_->cfg.verifier) {
    auto token = request_token(sv(req[http::field::authorization]), query);
    claims.reset();
    if (token) {
      auto v = state_->cfg.verifier->verify(*token, auth::unix_now());
      if (!v.ok) {
        bump(state_->stats.auth_failures_total);
        return refuse(401, "unauthorized", v.error, version);
      }
      claims = std::move(v.ok);
    }
  }
  upgraded_ = true;
  state_->stats.http_connections_open.fetch_sub(1, std::memory_order_relaxed);
  // The WebSocket stream sets its own timeouts; bytes a client sent before
  // the 101 answer (which it must not) are dropped with buffer_.
  stream_.tcp().expires_never();
  auto ws = std::make_shared<websocket_session>(std::move(stream_), state_,
                                                id_);
  ws->hold(std::move(slot_));
  ws->run(parser_->release(), std::move(*subprotocol), std::move(claims));
}

void http_session::send_json(unsigned status, std::string body,
                             bool keep_alive, unsigned version,
                             std::string_view allow) {
  http::response<http::string_body> res{static_cast<http::status>(status),
                                        version};
  res.set(http::field::server, "tidewire");
  res.set(http::field::content_type, "application/json");
  if (!cors_origin_.empty()) {
    res.set(http::field::access_control_allow_origin, cors_origin_);
    res.set(http::field::vary, "Origin");
  }
  if (status == 401)
    res.set(http::field::www_authenticate, "Bearer");
  if (!allow.empty())
    res.set(http::field::allow, bsv(allow));
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  send(std::move(res));
}

template <class Response>
void http_session::send(Response&& res) {
  auto sp = std::make_shared<std::decay_t<Response>>(std::move(res));
  res_ = sp;
  stream_.tcp().expires_after(state_->cfg.idle_timeout);
  http::async_write(stream_, *sp,
                    beast::bind_front_handler(&http_session::on_write,
                                              shared_from_this(),
                                              sp->need_eof()));
}

// The kinds of answer a session writes (the endpoints live in
// http_session_endpoints.cpp).
template void http_session::send(http::response<http::string_body>&&);
template void http_session::send(http::response<http::empty_body>&&);
template void http_session::send(http::response<http::file_body>&&);

void http_session::on_write(bool close, boost::system::error_code ec,
                            std::size_t) {
  res_.reset();
  if (ec)
    return fail(ec, "http write", id_);
  if (close)
    return do_close();
  do_read();
}

void http_session::do_close() {
  stream_.async_end(state_->cfg.handshake_timeout, [self = shared_from_this()] {});
}

} // namespace tidewire::net
