#pragma once

#include <ostream>
#include <vector>

#include "ws_scenario.hpp"

namespace tidewire::bench {

// Each prints one Markdown table, one row per run; a failed run is a row
// with its error.
void print_table(std::ostream& out, const std::vector<fanout_result>& rows);
void print_table(std::ostream& out, const std::vector<memory_result>& rows);
void print_table(std::ostream& out, const std::vector<http_result>& rows);
void print_table(std::ostream& out, const std::vector<storm_result>& rows);

} // namespace tidewire::bench
