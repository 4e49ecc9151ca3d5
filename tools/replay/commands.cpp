#include "tools/replay/commands.hpp"

#include <exception>
#include <ostream>

#include "tools/replay/common.hpp"

namespace tidewire::replay {

namespace {

void usage(std::ostream& os) {
  os << "usage: tidewire-replay COMMAND [ARGS] [--data-dir=DIR]\n\n"
        "Inspects a tidewire node's replay store (also while the node runs;\n"
        "it is opened as a read-only secondary and never modified, except by\n"
        "`import`). DIR defaults to " << default_data_dir << ".\n\n"
        "commands:\n";
  for (auto& c : commands())
    os << "  " << c.name << std::string(10 - std::string{c.name}.size(), ' ')
       << c.summary << '\n';
  os << "\n`tidewire-replay COMMAND --help` describes each command.\n"
        "Flags take `--name=value` or `--name value`. Exit codes: 0 ok,\n"
        "1 runtime error, 2 usage error.\n";
}

} // namespace

const std::vector<command>& commands() {
  static const std::vector<command> all{
    {"channels", "every channel: kind, epoch, retained seqs, size, last update",
     channels_help, cmd_channels},
    {"show", "a channel's records in seq order, or a state document at a seq",
     show_help, cmd_show},
    {"tail", "the last records of a channel; -f follows new ones", tail_help,
     cmd_tail},
    {"stats", "counts, sizes, publish rate per time bucket, gaps", stats_help,
     cmd_stats},
    {"verify", "check every record and the metadata; non-zero on problems",
     verify_help, cmd_verify},
    {"export", "a channel's history as jsonl (header line + records)",
     export_help, cmd_export},
    {"import", "load an export into a stopped node's store", import_help,
     cmd_import},
    {"replay", "re-publish records through a node's HTTP API, paced",
     replay_help, cmd_replay},
  };
  return all;
}

int run_command(const args_t& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty()) {
    usage(err);
    return exit_usage;
  }
  const auto& name = argv[0];
  if (name == "--help" || name == "-h" || name == "help") {
    if (argv.size() > 1)
      for (auto& c : commands())
        if (argv[1] == c.name) {
          out << c.help;
          return exit_ok;
        }
    usage(out);
    return exit_ok;
  }
  for (auto& c : commands()) {
    if (name != c.name)
      continue;
    args_t rest(argv.begin() + 1, argv.end());
    for (auto& a : rest)
      if (a == "--help" || a == "-h") {
        out << c.help;
        return exit_ok;
      }
    try {
      return c.run(rest, out, err);
    } catch (const tool_error& e) {
      out.flush();
      err << "tidewire-replay " << name << ": " << e.what() << '\n';
      if (e.code == exit_usage)
        err << "(see tidewire-replay " << name << " --help)\n";
      return e.code;
    } catch (const std::exception& e) {
      out.flush();
      err << "tidewire-replay " << name << ": " << e.what() << '\n';
      return exit_runtime;
    }
  }
  err << "tidewire-replay: unknown command '" << name << "'\n\n";
  usage(err);
  return exit_usage;
}

} // namespace tidewire::replay
