#pragma once

// A command sweep from a program: what `sweep run GRID -- COMMAND` does, with
// the records handed to a callback instead of written to a stream.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/grid.hpp"
#include "sweep/record.hpp"
#include "sweep/stats.hpp"

namespace sweep {

/// How to run a command sweep; the defaults are `sweep run`'s.
struct CommandSweepOptions {
  std::size_t threads = 0;   ///< Jobs at once; 0: the number of online CPUs.
  std::uint64_t repeat = 1;  ///< Runs of every point (<@rep> tells apart).
  std::optional<std::chrono::milliseconds> timeout;  ///< Per job, if any.
  std::chrono::milliseconds kill_after{5000};        ///< SIGTERM, then SIGKILL.
  unsigned retries = 0;         ///< Extra attempts for a failed job.
  bool stderr_records = false;  ///< Hand stderr lines over too.
  /// Each record as `sweep run` writes it (line and end records), with its
  /// JSON text (no newline); called from the calling thread, in order per job.
  std::function<void(const Record&, std::string_view json)> on_record;
};

/// Runs `command` (argv; placeholders `<name>` as on the command line, no
/// shell) for every point of the grid and returns the statistics. Reaps only
/// its own children and changes nothing process-wide: a host's signal
/// dispositions, mask and other children are left alone. Several sweeps may
/// run at once in different threads. Throws Error for a bad template or a
/// missing program, before anything runs.
StatsSummary run_command_sweep(const Grid& grid,
                               const std::vector<std::string>& command,
                               const CommandSweepOptions& options = {});

}  // namespace sweep
