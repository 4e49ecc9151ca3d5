#include "net/http_rules.hpp"

#include <algorithm>
#include <cctype>

#include "net/url.hpp"

namespace tidewire::net {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

std::optional<std::string>
framing_error(const std::vector<std::string_view>& transfer_encodings,
              bool has_content_length) {
  if (transfer_encodings.empty())
    return std::nullopt;
  if (has_content_length)
    return "Transfer-Encoding and Content-Length together are not accepted";
  std::vector<std::string_view> codings;
  for (auto field : transfer_encodings) {
    while (true) {
      auto comma = field.find(',');
      auto coding = trim(field.substr(0, comma));
      // A coding may carry parameters (`gzip;q=1`); only its name matters.
      coding = trim(coding.substr(0, coding.find(';')));
      codings.push_back(coding);
      if (comma == std::string_view::npos)
        break;
      field.remove_prefix(comma + 1);
    }
  }
  if (codings.size() != 1 || !iequals(codings.front(), "chunked"))
    return "Transfer-Encoding must be exactly 'chunked'";
  return std::nullopt;
}

std::string own_origin(std::string_view host, bool tls) {
  return (tls ? "https://" : "http://") + lower(trim(host));
}

std::optional<std::vector<std::string>>
parse_allowed_origins(std::string_view list, std::string& error) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{}
                                           : list.substr(comma + 1);
    if (entry.empty())
      continue;
    if (entry.back() == '/')
      entry.remove_suffix(1);
    auto scheme_end = entry.find("://");
    if (entry == "*" || scheme_end == std::string_view::npos
        || scheme_end == 0 || scheme_end + 3 >= entry.size()
        || entry.find('/', scheme_end + 3) != std::string_view::npos
        || entry.find('*') != std::string_view::npos) {
      error = "--allowed-origins: '" + std::string{entry}
              + "' is not an origin like https://example.com[:port] "
                "(no wildcards)";
      return std::nullopt;
    }
    out.push_back(lower(entry));
  }
  return out;
}

bool origin_allowed(std::optional<std::string_view> origin,
                    std::string_view host, bool tls,
                    const std::vector<std::string>& allowed) {
  if (!origin)
    return true;
  auto o = lower(trim(*origin));
  if (o.empty() || o == "null")
    return false;
  if (!host.empty() && o == own_origin(host, tls))
    return true;
  return std::find(allowed.begin(), allowed.end(), o) != allowed.end();
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size()
      || !iequals(authorization.substr(0, scheme.size()), scheme)
      || (authorization[scheme.size()] != ' '
          && authorization[scheme.size()] != '\t'))
    return std::nullopt;
  auto token = trim(authorization.substr(scheme.size()));
  if (token.empty())
    return std::nullopt;
  return token;
}

std::optional<std::string> request_token(std::string_view authorization,
                                         std::string_view query) {
  if (auto bearer = bearer_token(authorization))
    return std::string{*bearer};
  if (auto params = parse_query(query))
    if (auto it = params->find("token"); it != params->end())
      return it->second;
  return std::nullopt;
}

} // namespace tidewire::net
