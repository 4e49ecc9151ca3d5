#include "net/http_session.hpp"

// The node's own endpoints behind an http_session: readiness, metrics, the
// REST API and static files. Each runs on the session's strand; answers
// computed on CAF threads are posted back to it.

#include <filesystem>
#include <string>

#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>

#include "actors/api.hpp"
#include "actors/errors.hpp"
#include "net/beast_text.hpp"
#include "net/cluster_api.hpp"
#include "net/cluster_metrics.hpp"
#include "net/http_api.hpp"
#include "net/http_rules.hpp"
#include "net/metrics.hpp"
#include "net/server_state.hpp"
#include "net/static_files.hpp"

namespace tidewire::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Ready means able to take publishes: without a majority of the cluster this
// node refuses them, so a load balancer should send clients elsewhere.
void http_session::serve_readiness(bool keep_alive, unsigned version) {
  api::cluster(
    state_->sys, state_->membership,
    [self = shared_from_this(), keep_alive,
     version](caf::expected<cluster::cluster_view> view) {
      const char* body = !view           ? R"({"status":"stopping"})"
                         : view->quorum ? R"({"status":"ready"})"
                                        : R"({"status":"no_quorum"})";
      unsigned status = view && view->quorum ? 200 : 503;
      asio::post(self->stream_.get_executor(),
                 [self, keep_alive, version, status, body] {
                   self->send_json(status, body, keep_alive, version);
                 });
    });
}

void http_session::serve_api(request& req, std::string_view path,
                             std::string_view query) {
  auto version = req.version();
  auto keep_alive = req.keep_alive();
  if (req.method() == http::verb::options) {
    // CORS preflight: granted to the allowed origin that asks, never to all.
    http::response<http::empty_body> res{http::status::no_content, version};
    res.set(http::field::server, "tidewire");
    if (!cors_origin_.empty()) {
      res.set(http::field::access_control_allow_origin, cors_origin_);
      res.set(http::field::vary, "Origin");
      res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
      res.set(http::field::access_control_allow_headers,
              "Content-Type, Authorization, Idempotency-Key");
      res.set(http::field::access_control_max_age, "600");
    }
    res.keep_alive(keep_alive);
    return send(std::move(res));
  }
  api_request api_req;
  api_req.method = std::string{sv(req.method_string())};
  api_req.path = std::string{path};
  api_req.query = std::string{query};
  api_req.body = std::move(req.body());
  api_req.content_type = std::string{sv(req[http::field::content_type])};
  api_req.idempotency_key = std::string{sv(req["Idempotency-Key"])};
  if (state_->cfg.verifier) {
    auto token = request_token(sv(req[http::field::authorization]), query);
    if (!token) {
      bump(state_->stats.auth_failures_total);
      return send_json(401,
                       error_json("unauthorized",
                                  "this node needs an Authorization: Bearer "
                                  "token (or ?token=)"),
                       keep_alive, version);
    }
    auto v = state_->cfg.verifier->verify(*token, auth::unix_now());
    if (!v.ok) {
      bump(state_->stats.auth_failures_total);
      return send_json(401, error_json("unauthorized", v.error), keep_alive,
                       version);
    }
    api_req.claims = std::move(*v.ok);
  }
  api_limits limits{state_->cfg.max_frame};
  if (api_req.method == "POST" && path.ends_with("/messages"))
    bump(state_->stats.http_publishes_total);
  auto reply = [self = shared_from_this(), keep_alive,
                version](api_response res) mutable {
    // On a CAF thread (or inline): back to the strand.
    asio::post(self->stream_.get_executor(),
               [self, keep_alive, version, res = std::move(res)]() mutable {
                 self->send_api(res, keep_alive, version);
               });
  };
  if (path == cluster_api_path)
    return handle_cluster_api(state_->sys, state_->membership, api_req,
                              std::move(reply));
  handle_api(state_->sys, state_->directory, limits, std::move(api_req),
             std::move(reply));
}

void http_session::serve_metrics(bool keep_alive, unsigned version) {
  // The channel and member lines are rendered on CAF threads, the counters
  // on the strand. Without the channel list the answer is 503, never a 200
  // that silently lacks the channels; without the view (no cluster) the
  // member lines are left out.
  auto self = shared_from_this();
  api::list_channels(
    state_->sys, state_->directory,
    [self, keep_alive, version](caf::expected<std::vector<channel_info>> channels) {
      if (!channels) {
        auto why = error_message(channels.error());
        return asio::post(self->stream_.get_executor(),
                          [self, keep_alive, version, why] {
                            self->send_json(503,
                                            error_json("unavailable",
                                                       "channel list: " + why),
                                            keep_alive, version);
                          });
      }
      auto lines = render_channels(*channels);
      api::cluster(
        self->state_->sys, self->state_->membership,
        [self, keep_alive, version, lines = std::move(lines),
         infos = std::move(*channels)](
          caf::expected<cluster::cluster_view> view) mutable {
          if (view)
            lines += render_cluster(*view);
          if (view && view->members.size() > 1)
            lines += render_replication(infos);
          asio::post(self->stream_.get_executor(),
                     [self, keep_alive, version,
                      lines = std::move(lines)]() mutable {
                       self->send_metrics(std::move(lines), keep_alive,
                                          version);
                     });
        });
    });
}

void http_session::send_metrics(std::string actor_lines, bool keep_alive,
                                unsigned version) {
  http::response<http::string_body> res{http::status::ok, version};
  res.set(http::field::server, "tidewire");
  res.set(http::field::content_type,
          "text/plain; version=0.0.4; charset=utf-8");
  res.keep_alive(keep_alive);
  res.body() = state_->stats.render() + actor_lines;
  res.prepare_payload();
  send(std::move(res));
}

void http_session::serve_file(const request& req, std::string_view path) {
  auto version = req.version();
  auto keep_alive = req.keep_alive();
  bool head = req.method() == http::verb::head;
  if (req.method() != http::verb::get && !head)
    return send_json(405, error_json("method_not_allowed", "use GET or HEAD"),
                     keep_alive, version, "GET, HEAD");
  auto resolved = resolve_static_path(path);
  if (resolved.status != 200)
    return send_json(resolved.status,
                     error_json(resolved.status == 400 ? "bad_request"
                                                       : "not_found",
                                resolved.reason),
                     keep_alive, version);
  auto full = state_->cfg.web_root + "/" + resolved.relative;
  std::error_code fs_ec;
  http::file_body::value_type body;
  beast::error_code ec;
  if (std::filesystem::is_regular_file(full, fs_ec))
    body.open(full.c_str(), beast::file_mode::scan, ec);
  if (fs_ec || !body.is_open() || ec)
    return send_json(404, error_json("not_found", "no such file"), keep_alive,
                     version);
  auto type = mime_type(resolved.relative);
  auto size = body.size();
  if (head) {
    http::response<http::empty_body> res{http::status::ok, version};
    res.set(http::field::server, "tidewire");
    res.set(http::field::content_type, bsv(type));
    res.set(http::field::cache_control, "no-cache");
    res.content_length(size);
    res.keep_alive(keep_alive);
    return send(std::move(res));
  }
  http::response<http::file_body> res{
    std::piecewise_construct, std::make_tuple(std::move(body)),
    std::make_tuple(http::status::ok, version)};
  res.set(http::field::server, "tidewire");
  res.set(http::field::content_type, bsv(type));
  res.set(http::field::cache_control, "no-cache");
  res.content_length(size);
  res.keep_alive(keep_alive);
  send(std::move(res));
}

void http_session::send_api(const api_response& res, bool keep_alive,
                            unsigned version) {
  if (res.status == 429)
    bump(state_->stats.http_rate_limited_total);
  send_json(res.status, res.body, keep_alive, version, res.allow);
}

} // namespace tidewire::net
