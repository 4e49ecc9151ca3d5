#pragma once

#include <ostream>
#include <vector>

#include "fanout_scenario.hpp"
#include "store_scenario.hpp"

namespace tidewire::bench {

// Prints one row per scenario as a Markdown table.
void print_table(std::ostream& out, const std::vector<scenario_result>& rows);

// Prints one row per fan-out scenario as a Markdown table, each rate also as
// a ratio to the persistence-off row with the same number of subscribers.
void print_table(std::ostream& out, const std::vector<fanout_result>& rows);

} // namespace tidewire::bench
