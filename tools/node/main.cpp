#include <iostream>
#include <string>
#include <vector>

#include "actors/errors.hpp"
#include "tools/node/node.hpp"
#include "tools/node/options.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = tidewire::node::parse_options(args);
  if (!opts) {
    std::cerr << "tidewire: " << tidewire::error_message(opts.error()) << '\n';
    return 2;
  }
  if (opts->help) {
    std::cout << tidewire::node::usage();
    return 0;
  }
  return tidewire::node::run(*opts);
}
