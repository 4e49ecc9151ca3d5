#include "net/http_api.hpp"

#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/api.hpp"
#include "actors/config.hpp"
#include "actors/errors.hpp"
#include "actors/json_text.hpp"
#include "net/channel_list.hpp"
#include "net/request_parser.hpp"
#include "net/url.hpp"

namespace tidewire::net {

namespace {

using json = nlohmann::json;

api_response ok(const json& body) {
  return api_response{200, body.dump(), {}};
}

api_response method_not_allowed(std::string allow) {
  auto res = error_response(405, "method_not_allowed",
                            "method not allowed, use " + allow);
  res.allow = std::move(allow);
  return res;
}

// Appends `"data":<data_json>` to a serialised object: stored data goes out
// as it was published (numbers are not re-serialised; see json_text.hpp).
std::string with_data(const json& obj, const std::string& data_json) {
  auto text = obj.dump();
  text.pop_back(); // '}'
  text += ",\"data\":";
  text += data_json.empty() ? std::string{"null"} : data_json;
  text.push_back('}');
  return text;
}

void publish(caf::actor_system& sys, const caf::actor& directory,
             const api_limits& limits, std::string channel, std::string body,
             std::string key, std::function<void(api_response)> done) {
  if (key.size() > max_idempotency_key)
    return done(error_response("bad_request",
                               "Idempotency-Key is longer than "
                                 + std::to_string(max_idempotency_key)
                                 + " characters"));
  if (body.size() > limits.max_frame)
    return done(error_response("too_large",
                               "body is " + std::to_string(body.size())
                                 + " bytes, the limit is "
                                 + std::to_string(limits.max_frame)));
  if (!json_depth_ok(body, limits.max_depth))
    return done(error_response("bad_request",
                               "JSON nested deeper than "
                                 + std::to_string(limits.max_depth)
                                 + " levels"));
  auto data_json = json_text::compact(body);
  if (!data_json)
    return done(error_response("bad_request", "body is not valid JSON"));
  api::publish(sys, directory, std::move(channel), std::move(*data_json),
               std::move(key),
               [done = std::move(done)](caf::expected<publish_ack> ack) {
                 if (!ack)
                   return done(from_error(ack.error()));
                 done(ok(json{{"channel", ack->channel},
                              {"seq", ack->seq},
                              {"epoch", ack->epoch}}));
               });
}

void history(caf::actor_system& sys, const caf::actor& directory,
             std::string channel, std::string_view query,
             size_t max_bytes, std::function<void(api_response)> done) {
  auto params = parse_query(query);
  if (!params)
    return done(error_response("bad_request", "malformed query string"));
  uint64_t since = 0;
  uint64_t limit = default_history_limit;
  if (auto it = params->find("since"); it != params->end()) {
    auto v = parse_u64(it->second);
    if (!v)
      return done(error_response("bad_request",
                                 "'since' must be a non-negative integer"));
    since = *v;
  }
  if (auto it = params->find("limit"); it != params->end()) {
    auto v = parse_u64(it->second);
    if (!v || *v == 0)
      return done(error_response("bad_request",
                                 "'limit' must be a positive integer"));
    limit = std::min<uint64_t>(*v, max_history_limit);
  }
  api::history(
    sys, directory, std::move(channel), since, static_cast<uint32_t>(limit),
    [done = std::move(done), max_bytes](caf::expected<history_page> page) {
      if (!page)
        return done(from_error(page.error()));
      std::string updates = "[";
      size_t bytes = 0;
      for (const auto& r : page->updates) {
        bytes += r.data.size();
        if (updates.size() > 1 && bytes > max_bytes)
          break; // the client continues from the last seq it got
        if (updates.size() > 1)
          updates.push_back(',');
        updates += with_data(json{{"seq", r.seq}, {"ts", r.ts}}, r.data);
      }
      updates.push_back(']');
      auto body = json{{"channel", page->channel},
                       {"epoch", page->epoch},
                       {"head", page->head},
                       {"first", page->first}}
                    .dump();
      body.pop_back();
      body += ",\"updates\":" + updates + "}";
      done(api_response{200, std::move(body), {}});
    });
}

void state(caf::actor_system& sys, const caf::actor& directory,
           std::string channel, std::function<void(api_response)> done) {
  api::state(sys, directory, std::move(channel),
             [done = std::move(done)](caf::expected<state_doc> doc) {
               if (!doc)
                 return done(from_error(doc.error()));
               done(api_response{
                 200,
                 with_data(json{{"channel", doc->channel},
                                {"epoch", doc->epoch},
                                {"seq", doc->seq}},
                           doc->data_json),
                 {}});
             });
}

// Splits "a/b/c" into its segments (empty ones kept, so "a//b" is refused).
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      return out;
    path.remove_prefix(slash + 1);
  }
}

} // namespace

bool is_json_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  constexpr std::string_view json_type = "application/json";
  if (type.size() != json_type.size())
    return false;
  for (size_t i = 0; i < type.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != json_type[i])
      return false;
  return true;
}

unsigned http_status(std::string_view code) {
  if (code == "bad_request" || code == "invalid_channel"
      || code == "unknown_type")
    return 400;
  if (code == "unauthorized")
    return 401;
  if (code == "forbidden")
    return 403;
  if (code == "unknown_channel" || code == "not_found"
      || code == "not_subscribed")
    return 404;
  if (code == "method_not_allowed")
    return 405;
  if (code == "too_large")
    return 413;
  if (code == "unsupported_media_type")
    return 415;
  if (code == "rate_limited")
    return 429;
  if (code == "unavailable")
    return 503;
  if (code == "storage_full")
    return 507;
  return 500;
}

std::string error_json(std::string_view code, std::string_view message) {
  return json{{"error", {{"code", code}, {"message", message}}}}.dump();
}

api_response error_response(unsigned status, std::string_view code,
                            std::string_view message) {
  return api_response{status, error_json(code, message), {}};
}

api_response error_response(std::string_view code, std::string_view message) {
  return error_response(http_status(code), code, message);
}

api_response from_error(const caf::error& err) {
  auto code = error_code(err);
  auto message = error_message(err);
  if (message.empty())
    message = code;
  return error_response(code, message);
}

void handle_api(caf::actor_system& sys, const caf::actor& directory,
                const api_limits& limits, api_request req,
                std::function<void(api_response)> done) {
  constexpr std::string_view prefix = "/api/v1/channels";
  std::string_view path{req.path};
  if (path.substr(0, prefix.size()) != prefix)
    return done(error_response(404, "not_found", "no such API path"));
  path.remove_prefix(prefix.size());
  if (path.empty() || path == "/") {
    if (req.method != "GET")
      return done(method_not_allowed("GET"));
    return list_channels(sys, directory, req.query, std::move(req.claims),
                         std::move(done));
  }
  if (path.front() != '/')
    return done(error_response(404, "not_found", "no such API path"));
  path.remove_prefix(1); // the '/' after "channels"
  auto segs = segments(path);
  if (segs.size() != 2
      || (segs[1] != "messages" && segs[1] != "history"
          && segs[1] != "state"))
    return done(error_response(404, "not_found", "no such API path"));
  auto name = percent_decode(segs[0]);
  if (!name)
    return done(error_response("bad_request", "malformed channel name escape"));
  if (!valid_channel_name(*name))
    return done(error_response("invalid_channel",
                               "invalid channel name (expected "
                               "^[A-Za-z0-9_.:-]{1,128}$)"));
  if (segs[1] == "messages") {
    if (req.method != "POST")
      return done(method_not_allowed("POST"));
    if (!auth::may_publish(req.claims, *name))
      return done(error_response("forbidden", "the token does not allow "
                                              "publishing to " + *name));
    // A browser sends text/plain and form bodies cross-origin without a
    // preflight; insisting on JSON makes every cross-site publish preflighted
    // (and so subject to the Origin check).
    if (!is_json_media_type(req.content_type))
      return done(error_response(415, "unsupported_media_type",
                                 "publish bodies must be sent with "
                                 "Content-Type: application/json"));
    return publish(sys, directory, limits, std::move(*name),
                   std::move(req.body), std::move(req.idempotency_key),
                   std::move(done));
  }
  if (req.method != "GET")
    return done(method_not_allowed("GET"));
  if (!auth::may_subscribe(req.claims, *name))
    return done(error_response("forbidden", "the token does not allow "
                                            "reading " + *name));
  if (segs[1] == "history")
    return history(sys, directory, std::move(*name), req.query,
                   limits.max_history_bytes, std::move(done));
  return state(sys, directory, std::move(*name), std::move(done));
}

} // namespace tidewire::net
