#pragma once

// The subcommands of tidewire-replay. Each is a function over its arguments
// (after the subcommand name) and two streams, so tests can run it
// in-process; main() only forwards argv to run_command().
//
//   main ─▶ run_command ─▶ find subcommand ─▶ cmd_xxx(args, out, err)
//                └─ catches tool_error: prints it, returns its exit code

#include <iosfwd>
#include <string>
#include <vector>

namespace tidewire::replay {

using args_t = std::vector<std::string>;
using command_fn = int (*)(const args_t&, std::ostream& out, std::ostream& err);

struct command {
  const char* name;
  const char* summary;
  const char* help; // full --help text
  command_fn run;
};

const std::vector<command>& commands();

// argv without the program name. Exit codes: 0 ok, 1 runtime, 2 usage.
int run_command(const args_t& argv, std::ostream& out, std::ostream& err);

int cmd_channels(const args_t&, std::ostream&, std::ostream&);
int cmd_show(const args_t&, std::ostream&, std::ostream&);
int cmd_tail(const args_t&, std::ostream&, std::ostream&);
int cmd_stats(const args_t&, std::ostream&, std::ostream&);
int cmd_verify(const args_t&, std::ostream&, std::ostream&);
int cmd_export(const args_t&, std::ostream&, std::ostream&);
int cmd_import(const args_t&, std::ostream&, std::ostream&);
int cmd_replay(const args_t&, std::ostream&, std::ostream&);

extern const char* const channels_help;
extern const char* const show_help;
extern const char* const tail_help;
extern const char* const stats_help;
extern const char* const verify_help;
extern const char* const export_help;
extern const char* const import_help;
extern const char* const replay_help;

} // namespace tidewire::replay
