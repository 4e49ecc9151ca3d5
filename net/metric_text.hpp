#pragma once

// The pieces of the Prometheus text exposition format (0.0.4) that every
// /metrics renderer writes: a metric's HELP and TYPE lines, a sample line,
// and an escaped label value.

#include <string>
#include <string_view>

namespace tidewire::net {

// "# HELP name help\n# TYPE name type\n".
void metric_header(std::string& out, std::string_view name,
                   std::string_view type, std::string_view help);

// "name value\n": the sample of a metric without labels.
void metric_sample(std::string& out, std::string_view name,
                   std::string_view value);

// A label value: channel names are [A-Za-z0-9_.:-] already, but the format
// says what to escape, so a future name rule cannot break the exposition.
std::string label_value(std::string_view text);

} // namespace tidewire::net
