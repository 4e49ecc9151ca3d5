#include "http_publisher.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace tidewire::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// One request on loopback; longer means the node is stuck (it answers
// `unavailable` itself after 10 s).
constexpr auto request_timeout = std::chrono::seconds(15);

} // namespace

http_publisher::http_publisher(asio::io_context& ioc, asio::ip::tcp::endpoint node,
                               progress& prog, std::string channel,
                               uint64_t count, double seconds, size_t payload)
  : stream_(asio::make_strand(ioc)), node_(node), progress_(prog),
    target_("/api/v1/channels/" + channel + "/messages"), count_(count),
    seconds_(seconds), payload_(payload) {
}

void http_publisher::start() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stream_.expires_after(request_timeout);
    self->stream_.async_connect(
      self->node_, beast::bind_front_handler(&http_publisher::on_connect, self));
  });
}

void http_publisher::on_connect(boost::system::error_code ec) {
  if (ec)
    return finish("connect: " + ec.message());
  boost::system::error_code ignored;
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  s_.first_send = clock_type::now();
  send_next();
}

void http_publisher::send_next() {
  if (s_.sent >= count_ || seconds_since(s_.first_send) >= seconds_)
    return finish("");
  ++s_.sent;
  nlohmann::json data{{"n", s_.sent}, {"p", ""}};
  auto bare = data.dump().size();
  if (payload_ > bare)
    data["p"] = std::string(payload_ - bare, 'x');
  req_ = {http::verb::post, target_, 11};
  req_.set(http::field::host,
           node_.address().to_string() + ":" + std::to_string(node_.port()));
  req_.set(http::field::content_type, "application/json");
  req_.keep_alive(true);
  req_.body() = data.dump();
  req_.prepare_payload();
  sent_at_ = clock_type::now();
  stream_.expires_after(request_timeout);
  http::async_write(stream_, req_,
                    beast::bind_front_handler(&http_publisher::on_write,
                                              shared_from_this()));
}

void http_publisher::on_write(boost::system::error_code ec, std::size_t) {
  if (ec)
    return finish("write: " + ec.message());
  res_ = {};
  http::async_read(stream_, buffer_, res_,
                   beast::bind_front_handler(&http_publisher::on_read,
                                             shared_from_this()));
}

void http_publisher::on_read(boost::system::error_code ec, std::size_t) {
  if (ec)
    return finish("read: " + ec.message());
  auto now = clock_type::now();
  s_.last_answer = now;
  s_.latency.add(
    std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_).count());
  if (res_.result() == http::status::ok)
    ++s_.stored;
  else if (res_.result() == http::status::too_many_requests)
    ++s_.rejected;
  else
    return finish("HTTP " + std::to_string(res_.result_int()) + ": "
                  + res_.body().substr(0, 120));
  if (!res_.keep_alive())
    return finish("the node closed the keep-alive connection");
  send_next();
}

void http_publisher::finish(std::string error) {
  if (finished_)
    return;
  finished_ = true;
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  if (!error.empty()) {
    s_.error = std::move(error);
    progress_.fail();
  }
  progress_.reach(phase::finished);
}

} // namespace tidewire::bench
