#pragma once

#include <ostream>
#include <vector>

#include "store_scenario.hpp"

namespace tidewire::bench {

// Prints one row per scenario as a Markdown table.
void print_table(std::ostream& out, const std::vector<scenario_result>& rows);

} // namespace tidewire::bench
