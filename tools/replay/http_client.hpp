#pragma once

// A tiny blocking HTTP/1.1 client over one keep-alive connection (Beast,
// synchronous). Only for tools/replay; not thread-safe: one caller at a time.

#include <memory>
#include <string>

namespace tidewire::replay {

struct http_target {
  std::string host;
  std::string port;
  std::string text; // "http://host:port" as given
};

// Usage error unless `url` is http://HOST[:PORT][/].
http_target parse_http_url(const std::string& url);

struct http_result {
  unsigned status = 0;
  std::string body;
};

class http_client {
public:
  explicit http_client(http_target target);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Connects now; runtime error "cannot reach node at URL: reason".
  void connect();

  // POSTs `body` (application/json) to `path`. Reconnects first when the
  // node closed the previous connection. Throws a runtime error on network
  // failure; an HTTP error status is returned, not thrown.
  http_result post(const std::string& path, const std::string& body);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tidewire::replay
