#pragma once

#include <string>
#include <string_view>

// Mapping request paths to files under the web root. Pure functions, no
// Beast, no file system access.
namespace tidewire::net {

struct static_path {
  int status = 200;      // 200: serve `relative`; 400 or 404: refuse
  std::string relative;  // path below the web root, '/'-separated, no "." or ".."
  std::string reason;    // why it was refused
};

// Resolves the path part of a request target ("/", "/js/app.js"). Refuses,
// so nothing outside the web root can ever be named:
//   400  malformed %-escapes; backslashes, NUL, or encoded '/', '\', NUL
//        (%2f %5c %00); "." or ".." segments, raw or encoded (%2e%2e)
//   404  segments starting with '.' (dotfiles), paths not starting with '/'
// A path ending in '/' names its index.html.
static_path resolve_static_path(std::string_view path);

// The Content-Type for a file name, by extension; application/octet-stream
// for unknown ones.
std::string_view mime_type(std::string_view file_name);

} // namespace tidewire::net
