// libFuzzer target: the HTTP request path up to the API, on arbitrary bytes:
// Beast's request parser (as the node configures it), then the node's own
// checks of what it parsed (framing, target, query, static path, Origin,
// Bearer token, content type) in the order http_session applies them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "net/http_rules.hpp"
#include "net/static_files.hpp"
#include "net/url.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  parser.header_limit(16 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  auto used = parser.put(boost::asio::buffer(data, size), ec);
  (void) used;
  if (ec && ec != http::error::need_more)
    return 0;
  if (!parser.is_header_done())
    return 0;
  auto& req = parser.get();
  std::vector<std::string_view> te;
  for (auto& f : req)
    if (f.name() == http::field::transfer_encoding)
      te.emplace_back(f.value().data(), f.value().size());
  auto framing = tidewire::net::framing_error(
    te, req.count(http::field::content_length) > 0);
  if (framing)
    return 0;
  std::string_view target{req.target().data(), req.target().size()};
  auto [path, query] = tidewire::net::split(target);
  (void) tidewire::net::parse_query(query);
  (void) tidewire::net::percent_decode(path);
  (void) tidewire::net::resolve_static_path(path);
  auto origin = req[http::field::origin];
  auto host = req[http::field::host];
  (void) tidewire::net::origin_allowed(
    std::string_view{origin.data(), origin.size()},
    std::string_view{host.data(), host.size()}, false, {"https://a.example"});
  auto authz = req[http::field::authorization];
  (void) tidewire::net::bearer_token({authz.data(), authz.size()});
  std::string error;
  (void) tidewire::net::parse_allowed_origins({origin.data(), origin.size()},
                                              error);
  return 0;
}
