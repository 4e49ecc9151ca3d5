#include "tools/replay/time_text.hpp"

#include <chrono>
#include <cstdio>

namespace tidewire::replay {

namespace {

using namespace std::chrono;

// Reads exactly `len` digits at `pos`.
bool digits(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

} // namespace

std::string iso_time(int64_t epoch_ms) {
  auto tp = sys_time<milliseconds>{milliseconds{epoch_ms}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::optional<int64_t> parse_time(std::string_view s) {
  if (s.empty())
    return std::nullopt;
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    if (s.size() > 16) // beyond year 2286 in ms: not a time
      return std::nullopt;
    return std::stoll(std::string{s});
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-'
      || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d))
    return std::nullopt;
  size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':'
        || !digits(s, p + 4, 2, mi))
      return std::nullopt;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, sec))
        return std::nullopt;
      p += 3;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        size_t q = p + 1;
        int scale = 100;
        while (q < s.size() && s[q] >= '0' && s[q] <= '9') {
          ms += (s[q] - '0') * scale;
          scale /= 10;
          ++q;
        }
        if (q == p + 1)
          return std::nullopt;
        p = q;
      }
    }
  }
  int offset_min = 0;
  if (p < s.size()) {
    if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == s.size()) {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      int oh = 0, om = 0;
      if (!digits(s, p + 1, 2, oh))
        return std::nullopt;
      size_t q = p + 3;
      if (q < s.size() && s[q] == ':')
        ++q;
      if (!digits(s, q, 2, om) || q + 2 != s.size() || oh > 23 || om > 59)
        return std::nullopt;
      offset_min = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
      p = s.size();
    } else {
      return std::nullopt;
    }
  }
  if (p != s.size())
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                     day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59)
    return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{mi - offset_min}
            + seconds{sec} + milliseconds{ms};
  return tp.time_since_epoch().count();
}

} // namespace tidewire::replay
