#include "net/channel_list.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "actors/api.hpp"
#include "actors/config.hpp"
#include "net/url.hpp"

namespace tidewire::net {

namespace {

// Appends `text` as a JSON string. Channel names, kinds and epochs need no
// escaping; node names (owner, replica) are escaped all the same.
void put_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void put_text(std::string& out, std::string_view name,
              std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  put_string(out, value);
}

template <class Int>
void put_number(std::string& out, std::string_view name, Int value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

// One request in progress: the directory is asked for pages of the whole
// list until `limit` + 1 channels the caller may read are found (the one
// past the page says there is a next page) or the list ends. With no
// restriction in the claims that is one request to the directory.
struct listing {
  caf::actor_system& sys;
  caf::actor directory;
  auth::claims claims;
  uint64_t limit;
  std::string cursor; // the directory's list is read after this name
  std::vector<channel_info> found;
  std::function<void(api_response)> done;
};

void finish(listing& job) {
  std::string next;
  if (job.found.size() > job.limit) {
    job.found.resize(job.limit);
    next = job.found.back().name;
  }
  job.done(api_response{200, channel_page_json(job.found, next), {}});
}

void read_more(std::shared_ptr<listing> job) {
  auto ask = job->limit + 1;
  auto cursor = job->cursor;
  api::list_channels(
    job->sys, job->directory, std::move(cursor), ask,
    [job, ask](caf::expected<std::vector<channel_info>> infos) {
      if (!infos)
        return job->done(from_error(infos.error()));
      if (infos->size() == ask)
        job->cursor = infos->back().name;
      for (auto& c : *infos) {
        if (!auth::may_subscribe(job->claims, c.name))
          continue;
        job->found.push_back(std::move(c));
        if (job->found.size() > job->limit)
          return finish(*job);
      }
      if (infos->size() < ask)
        return finish(*job);
      read_more(std::move(job));
    });
}

} // namespace

std::variant<channel_page_request, api_response>
parse_channel_page(std::string_view query) {
  auto params = parse_query(query);
  if (!params)
    return error_response("bad_request", "malformed query string");
  channel_page_request out;
  if (auto it = params->find("limit"); it != params->end()) {
    auto v = parse_u64(it->second);
    if (!v || *v == 0)
      return error_response("bad_request",
                            "'limit' must be a positive integer (at most "
                              + std::to_string(max_channel_page)
                              + " are sent)");
    out.limit = std::min(*v, max_channel_page);
  }
  if (auto it = params->find("after"); it != params->end()) {
    if (!valid_channel_name(it->second))
      return error_response("bad_request",
                            "'after' must be a channel name (the 'next' of "
                            "the page before)");
    out.after = std::move(it->second);
  }
  return out;
}

std::string channel_page_json(const std::vector<channel_info>& channels,
                              const std::string& next) {
  std::string out;
  out.reserve(64 + channels.size() * 160);
  out += "{\"channels\":[";
  for (const auto& c : channels) {
    if (out.back() != '[')
      out += ',';
    out += "{\"name\":";
    put_string(out, c.name);
    put_text(out, "kind", c.kind);
    put_text(out, "epoch", c.epoch);
    put_number(out, "head", c.head);
    put_number(out, "first", c.first);
    put_number(out, "subscribers", c.subscribers);
    put_number(out, "last_ts", c.last_ts);
    if (!c.owner.empty()) {
      put_text(out, "owner", c.owner);
      put_text(out, "replica", c.replica);
    }
    out += '}';
  }
  out += "],\"next\":";
  if (next.empty())
    out += "null";
  else
    put_string(out, next);
  out += '}';
  return out;
}

void list_channels(caf::actor_system& sys, const caf::actor& directory,
                   std::string_view query, auth::claims claims,
                   std::function<void(api_response)> done) {
  auto parsed = parse_channel_page(query);
  if (auto* bad = std::get_if<api_response>(&parsed))
    return done(std::move(*bad));
  auto& page = std::get<channel_page_request>(parsed);
  read_more(std::make_shared<listing>(listing{sys, directory,
                                              std::move(claims), page.limit,
                                              std::move(page.after),
                                              {},
                                              std::move(done)}));
}

} // namespace tidewire::net
