#define CAF_SUITE net.channel_list
#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "net/channel_list.hpp"

using namespace tidewire;
using namespace tidewire::net;
using json = nlohmann::json;

namespace {

channel_info named(std::string name) {
  channel_info c;
  c.name = std::move(name);
  c.kind = "stream";
  c.epoch = "e1";
  return c;
}

// A directory that answers list pages from a fixed, sorted set of channels
// and counts how often it was asked.
caf::behavior fake_directory(caf::event_based_actor*,
                             std::vector<channel_info> all,
                             std::shared_ptr<std::atomic<int>> asked) {
  return {
    [all, asked](list_atom, const std::string& after, uint64_t count) {
      ++*asked;
      std::vector<channel_info> page;
      auto it = std::upper_bound(all.begin(), all.end(), after,
                                 [](const std::string& a,
                                    const channel_info& c) {
                                   return a < c.name;
                                 });
      for (; it != all.end() && page.size() < count; ++it)
        page.push_back(*it);
      return page;
    },
  };
}

caf::behavior failing_directory() {
  return {
    [](list_atom, const std::string&,
       uint64_t) -> caf::result<std::vector<channel_info>> {
      return make_error(errc::unavailable, "not joined yet");
    },
  };
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<std::atomic<int>> asked = std::make_shared<std::atomic<int>>(0);
  auth::claims claims;

  // Waits for the answer (given on a CAF worker thread).
  api_response call(const caf::actor& dir, std::string query) {
    auto answer = std::make_shared<std::promise<api_response>>();
    auto got = answer->get_future();
    list_channels(sys, dir, query, claims,
                  [answer](api_response res) { answer->set_value(res); });
    CAF_REQUIRE(got.wait_for(std::chrono::seconds(10))
                == std::future_status::ready);
    return got.get();
  }

  // Every name over all pages of `limit`, following `next`.
  std::vector<std::string> all_pages(const caf::actor& dir, uint64_t limit,
                                     size_t* pages) {
    std::vector<std::string> names;
    std::string query = "limit=" + std::to_string(limit);
    *pages = 0;
    for (;;) {
      auto res = call(dir, query);
      CAF_REQUIRE_EQUAL(res.status, 200u);
      auto body = json::parse(res.body);
      ++*pages;
      CAF_REQUIRE_LESS_OR_EQUAL(body.at("channels").size(), limit);
      for (auto& c : body.at("channels"))
        names.push_back(c.at("name"));
      if (body.at("next").is_null())
        return names;
      CAF_REQUIRE_EQUAL(body.at("next"), names.back());
      query = "limit=" + std::to_string(limit) + "&after="
              + body.at("next").get<std::string>();
    }
  }
};

std::vector<channel_info> numbered(const std::string& prefix, int n) {
  std::vector<channel_info> out;
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%s%03d", prefix.c_str(), i);
    out.push_back(named(name));
  }
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

std::string code_of(const api_response& res) {
  return json::parse(res.body).at("error").at("code");
}

} // namespace

CAF_TEST(paging parameters have defaults and a cap) {
  auto page = std::get<channel_page_request>(parse_channel_page(""));
  CAF_CHECK_EQUAL(page.limit, default_channel_page);
  CAF_CHECK_EQUAL(page.after, "");
  page = std::get<channel_page_request>(
    parse_channel_page("limit=7&after=trades.x%3A1&other=ignored"));
  CAF_CHECK_EQUAL(page.limit, 7u);
  CAF_CHECK_EQUAL(page.after, "trades.x:1");
  page = std::get<channel_page_request>(parse_channel_page("limit=99999999"));
  CAF_CHECK_EQUAL(page.limit, max_channel_page);
}

CAF_TEST(bad paging parameters are 400 bad_request) {
  for (const auto& query : std::vector<std::string>{
         "limit=0", "limit=-1", "limit=abc", "limit=", "limit=1.5",
         "limit=99999999999999999999999", "after=", "after=a%20b", "after=x*",
         "after=" + std::string(129, 'x'), "after=%zz", "limit=%"}) {
    auto parsed = parse_channel_page(query);
    auto* res = std::get_if<api_response>(&parsed);
    CAF_MESSAGE(query);
    CAF_REQUIRE(res != nullptr);
    CAF_CHECK_EQUAL(res->status, 400u);
    CAF_CHECK_EQUAL(code_of(*res), "bad_request");
    CAF_CHECK(!json::parse(res->body).at("error").at("message").empty());
  }
}

CAF_TEST(a page is written as JSON with its cursor) {
  auto a = named("a");
  a.head = 5;
  a.first = 2;
  a.subscribers = 3;
  a.last_ts = -1;
  auto b = named("b");
  b.owner = "node \"one\"";
  b.replica = "";
  auto body = json::parse(channel_page_json({a, b}, "b"));
  CAF_CHECK_EQUAL(body.at("next"), "b");
  auto& first = body.at("channels").at(0);
  CAF_CHECK_EQUAL(first, (json{{"name", "a"}, {"kind", "stream"},
                               {"epoch", "e1"}, {"head", 5}, {"first", 2},
                               {"subscribers", 3}, {"last_ts", -1}}));
  CAF_CHECK_EQUAL(body.at("channels").at(1).at("owner"), "node \"one\"");
  CAF_CHECK_EQUAL(body.at("channels").at(1).at("replica"), "");
  CAF_CHECK(json::parse(channel_page_json({}, "")) ==
            (json{{"channels", json::array()}, {"next", nullptr}}));
}

CAF_TEST_FIXTURE_SCOPE(channel_list_tests, fixture)

CAF_TEST(following next walks every channel once in order) {
  auto all = numbered("c.", 25);
  auto dir = sys.spawn(fake_directory, all, asked);
  size_t pages = 0;
  auto names = all_pages(dir, 10, &pages);
  CAF_CHECK_EQUAL(pages, 3u);
  CAF_REQUIRE_EQUAL(names.size(), all.size());
  for (size_t i = 0; i < names.size(); ++i)
    CAF_CHECK_EQUAL(names[i], all[i].name);
  // Unrestricted claims: one directory request a page.
  CAF_CHECK_EQUAL(asked->load(), 3);
  // A page that ends exactly at the last channel says so (next null).
  auto last = json::parse(call(dir, "limit=5&after=c.019").body);
  CAF_CHECK_EQUAL(last.at("channels").size(), 5u);
  CAF_CHECK(last.at("next").is_null());
  // The default page holds them all here.
  auto whole = json::parse(call(dir, "").body);
  CAF_CHECK_EQUAL(whole.at("channels").size(), 25u);
  CAF_CHECK(whole.at("next").is_null());
}

CAF_TEST(a restricted caller gets full pages of what it may read) {
  auto all = numbered("a.", 30);
  for (auto& c : numbered("b.", 4))
    all.push_back(c);
  for (auto& c : numbered("c.", 30))
    all.push_back(c);
  auto dir = sys.spawn(fake_directory, all, asked);
  claims = auth::nobody();
  claims.channels = {"b.*", "c.007"};
  size_t pages = 0;
  auto names = all_pages(dir, 3, &pages);
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"b.000", "b.001", "b.002",
                                                   "b.003", "c.007"}));
  CAF_CHECK_EQUAL(pages, 2u);
  // The directory was read past the channels the caller may not see.
  CAF_CHECK_GREATER(asked->load(), 2);
}

CAF_TEST(a directory error is the answer) {
  auto dir = sys.spawn(failing_directory);
  auto res = call(dir, "limit=5");
  CAF_CHECK_EQUAL(res.status, 503u);
  CAF_CHECK_EQUAL(code_of(res), "unavailable");
  // Bad parameters are refused before the directory is asked.
  res = call(caf::actor{}, "limit=0");
  CAF_CHECK_EQUAL(res.status, 400u);
}

CAF_TEST_FIXTURE_SCOPE_END()
