#include "actors/errors.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace tidewire {

namespace {

constexpr caf::atom_value category = caf::atom("tidewire");

} // namespace

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category,
                    caf::make_message(std::move(message))};
}

const char* to_string(errc code) {
  switch (code) {
    case errc::bad_request: return "bad_request";
    case errc::unknown_type: return "unknown_type";
    case errc::unknown_channel: return "unknown_channel";
    case errc::invalid_channel: return "invalid_channel";
    case errc::too_large: return "too_large";
    case errc::not_subscribed: return "not_subscribed";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::rate_limited: return "rate_limited";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
    case errc::storage_full: return "storage_full";
  }
  return "internal";
}

std::string error_code(const caf::error& err) {
  if (!err)
    return "internal";
  if (err.category() == category)
    return to_string(static_cast<errc>(err.code()));
  // A request to an actor that is gone: the channel or its owner stopped.
  if (err.category() == caf::atom("system")
      && (err.code() == static_cast<uint8_t>(caf::sec::request_receiver_down)
          || err.code() == static_cast<uint8_t>(caf::sec::request_timeout)))
    return "unavailable";
  return "internal";
}

std::string error_message(const caf::error& err) {
  if (!err)
    return {};
  if (err.category() == category && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return caf::to_string(err);
}

} // namespace tidewire
