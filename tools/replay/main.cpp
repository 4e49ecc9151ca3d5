// tidewire-replay: parses nothing itself; every subcommand lives in
// tidewire_replay_cmds (see commands.hpp).
#include <iostream>

#include "tools/replay/commands.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  tidewire::replay::args_t args(argv + 1, argv + argc);
  int rc = tidewire::replay::run_command(args, std::cout, std::cerr);
  std::cout.flush();
  return rc;
}
