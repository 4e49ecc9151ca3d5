#pragma once

// Command-line parsing shared by every subcommand: `--name=value` and
// `--name value`, boolean switches, short aliases (`-n 5`, `-f`), positional
// arguments. Errors throw tool_error with exit code 2 (usage).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tidewire::replay {

struct arg_spec {
  std::vector<std::string> value_flags; // long names taking a value
  std::vector<std::string> bool_flags;  // long names without a value
  std::map<std::string, std::string> short_names; // "-n" -> "lines"
};

class parsed_args {
public:
  std::vector<std::string> positional;

  bool has(const std::string& name) const;
  // The last value given for `name`.
  std::optional<std::string> get(const std::string& name) const;
  // Every value given for `name`, in order.
  std::vector<std::string> all(const std::string& name) const;
  std::string get_or(const std::string& name, std::string fallback) const;

  // Numeric flags; a malformed number is a usage error naming the flag.
  std::optional<uint64_t> get_u64(const std::string& name) const;
  std::optional<int64_t> get_time(const std::string& name) const;

  void add(const std::string& name, std::string value);

private:
  std::multimap<std::string, std::string> values_;
};

// Every spec implicitly accepts --data-dir (value) and --help/-h.
parsed_args parse_args(const std::vector<std::string>& argv, arg_spec spec);

uint64_t parse_u64(const std::string& flag, const std::string& text);

} // namespace tidewire::replay
