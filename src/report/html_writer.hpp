#pragma once

// The report as one self-contained HTML page: the page's HTML, CSS and JS
// (src/report/html, compiled in) with the report's JSON (write_json, or
// each run's and the comparison's with --label) inlined as its data. The
// page draws what the JSON holds and computes no statistic of its own.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/compare.hpp"
#include "report/report.hpp"

namespace sweep::report {

/// Where a page's report came from: facts of the run, not statistics.
struct PageInfo {
  std::vector<std::string> inputs;      ///< INPUTs, or the run's grid.
  std::string date;                     ///< When written, ISO 8601 UTC.
  std::optional<double> wall_s;         ///< The run's wall time, if known.
  std::optional<std::uint64_t> points;  ///< The run's points, if known.
};

/// The page of one report.
std::string write_html(const Report& report, const PageInfo& info);

/// The page of runs compared (--label): each run's report, then the
/// comparison of their groups.
std::string write_html(const std::vector<Labelled>& runs, const Comparison& c,
                       const PageInfo& info);

/// JSON text made safe inside a <script> element: every '<' as \u003c
/// (JSON has '<' only in strings, where the escape means the same).
std::string script_safe(std::string json);

}  // namespace sweep::report
