#include "net/static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "net/url.hpp"

namespace tidewire::net {

namespace {

static_path refuse(int status, std::string reason) {
  return static_path{status, {}, std::move(reason)};
}

bool contains_encoded(std::string_view s, std::string_view hex2) {
  // hex2 is the two hex digits in lower case, e.g. "2f".
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] == '%'
        && std::tolower(static_cast<unsigned char>(s[i + 1])) == hex2[0]
        && std::tolower(static_cast<unsigned char>(s[i + 2])) == hex2[1])
      return true;
  return false;
}

} // namespace

static_path resolve_static_path(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return refuse(404, "not an absolute path");
  if (path.find('\\') != std::string_view::npos
      || path.find('\0') != std::string_view::npos)
    return refuse(400, "backslash or NUL in path");
  if (contains_encoded(path, "2f") || contains_encoded(path, "5c")
      || contains_encoded(path, "00"))
    return refuse(400, "encoded '/', '\\' or NUL in path");
  auto decoded = percent_decode(path);
  if (!decoded)
    return refuse(400, "malformed %-escape in path");
  if (decoded->find('\\') != std::string::npos
      || decoded->find('\0') != std::string::npos)
    return refuse(400, "backslash or NUL in path");
  std::string rel;
  std::string_view rest{*decoded};
  rest.remove_prefix(1);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{}
                                           : rest.substr(slash + 1);
    if (seg.empty())
      continue; // "//" collapses
    if (seg == "." || seg == "..")
      return refuse(400, "'.' or '..' segment in path");
    if (seg.front() == '.')
      return refuse(404, "dotfiles are not served");
    if (!rel.empty())
      rel += '/';
    rel += seg;
  }
  if (rel.empty() || decoded->back() == '/')
    rel += rel.empty() ? "index.html" : "/index.html";
  return static_path{200, std::move(rel), {}};
}

std::string_view mime_type(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14>
    types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".jpg", "image/jpeg"},
      {".webmanifest", "application/manifest+json"},
    }};
  auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos)
    return "application/octet-stream";
  std::string ext;
  for (char c : file_name.substr(dot))
    ext.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& [e, type] : types)
    if (e == ext)
      return type;
  return "application/octet-stream";
}

} // namespace tidewire::net
