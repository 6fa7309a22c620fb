#pragma once

#include <chrono>
#include <string>

namespace sweep {

/// Parses a duration: `90` (seconds), `1.5s`, `500ms`, `5m`, `2h`. Throws
/// Error naming `flag` for anything else, negative or zero values included.
std::chrono::milliseconds parse_duration(const std::string& text,
                                         const std::string& flag);

}  // namespace sweep
