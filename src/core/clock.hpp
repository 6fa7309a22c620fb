#pragma once

#include <chrono>
#include <string>

namespace sweep {

/// The clock of durations and deadlines: monotonic, never set back.
using Clock = std::chrono::steady_clock;

/// The current time as ISO 8601 UTC with milliseconds, for records.
std::string utc_timestamp();

}  // namespace sweep
