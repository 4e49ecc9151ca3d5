#include "tools/replay/args.hpp"

#include <algorithm>
#include <charconv>

#include "tools/replay/common.hpp"
#include "tools/replay/time_text.hpp"

namespace tidewire::replay {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

bool parsed_args::has(const std::string& name) const {
  return values_.count(name) > 0;
}

std::optional<std::string> parsed_args::get(const std::string& name) const {
  auto [lo, hi] = values_.equal_range(name);
  if (lo == hi)
    return std::nullopt;
  return std::prev(hi)->second;
}

std::vector<std::string> parsed_args::all(const std::string& name) const {
  std::vector<std::string> out;
  auto [lo, hi] = values_.equal_range(name);
  for (auto it = lo; it != hi; ++it)
    out.push_back(it->second);
  return out;
}

std::string parsed_args::get_or(const std::string& name,
                                std::string fallback) const {
  auto v = get(name);
  return v ? *v : std::move(fallback);
}

std::optional<uint64_t> parsed_args::get_u64(const std::string& name) const {
  auto v = get(name);
  if (!v)
    return std::nullopt;
  return parse_u64(name, *v);
}

std::optional<int64_t> parsed_args::get_time(const std::string& name) const {
  auto v = get(name);
  if (!v)
    return std::nullopt;
  auto ms = parse_time(*v);
  if (!ms)
    throw usage_error("--" + name + " expects an ISO-8601 UTC time such as "
                      "2026-11-25T14:02:00Z or epoch milliseconds, got '"
                      + *v + "'");
  return ms;
}

void parsed_args::add(const std::string& name, std::string value) {
  values_.emplace(name, std::move(value));
}

uint64_t parse_u64(const std::string& flag, const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw usage_error("--" + flag + " expects a non-negative number, got '"
                      + text + "'");
  return value;
}

parsed_args parse_args(const std::vector<std::string>& argv, arg_spec spec) {
  spec.value_flags.push_back("data-dir");
  spec.bool_flags.push_back("help");
  spec.short_names.emplace("-h", "help");
  parsed_args out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const auto& arg = argv[i];
    std::string name;
    std::optional<std::string> value;
    if (auto s = spec.short_names.find(arg); s != spec.short_names.end()) {
      name = s->second;
    } else if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      auto eq = arg.find('=');
      name = arg.substr(2, eq == std::string::npos ? std::string::npos
                                                   : eq - 2);
      if (eq != std::string::npos)
        value = arg.substr(eq + 1);
    } else if (arg.size() > 1 && arg[0] == '-'
               && !(arg[1] >= '0' && arg[1] <= '9')) {
      throw usage_error("unknown option " + arg + " (see --help)");
    } else {
      out.positional.push_back(arg);
      continue;
    }
    if (contains(spec.bool_flags, name)) {
      if (value && *value != "true" && *value != "false")
        throw usage_error("--" + name + " takes no value");
      if (!value || *value == "true")
        out.add(name, "true");
      continue;
    }
    if (!contains(spec.value_flags, name))
      throw usage_error("unknown option " + arg + " (see --help)");
    if (!value) {
      if (i + 1 >= argv.size())
        throw usage_error("--" + name + " needs a value");
      value = argv[++i];
    }
    out.add(name, std::move(*value));
  }
  return out;
}

} // namespace tidewire::replay
