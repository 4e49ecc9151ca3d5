#pragma once

#include <string_view>

#include <boost/beast/core/string.hpp>

// Beast 1.74 has its own string_view (boost::string_view), which does not
// convert to or from std::string_view: these do, without copying.
namespace tidewire::net {

inline std::string_view sv(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

inline boost::beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

} // namespace tidewire::net
