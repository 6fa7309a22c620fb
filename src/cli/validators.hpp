// CLI11 validators whose messages read as sweep's own: one short line that
// says what is allowed and what was given.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace sweep::cli {

/// Accepts a whole number of at least `min` that fits in 64 bits: digits
/// only, so "-1", "2.5", "1e3" and "" are refused rather than wrapped or
/// truncated. CLI11 puts the option's name first, so a refusal reads
/// "-n: must be a whole number ≥ 1, not 0".
CLI::Validator whole_number_at_least(std::uint64_t min);

}  // namespace sweep::cli
