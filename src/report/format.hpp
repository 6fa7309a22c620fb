#pragma once

// A report written out: as a terminal table, Markdown, CSV, TSV, JSON or
// LaTeX.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.hpp"

namespace sweep::report {

/// --format.
enum class Format { kTable, kMd, kCsv, kTsv, kJson, kLatex };

/// The format a file name implies (.md, .csv, .tsv, .json, .tex, .txt).
std::optional<Format> format_for_path(std::string_view path);

/// The report in a format. CSV and TSV hold the groups (one row each), or
/// the pivot table when one was asked for.
std::string render(const Report& report, Format format);

/// CSV/TSV of the groups: the grouping parameters, runs, failed, per metric
/// M_n, M_mean, M_sd, M_sem, M_ci_low, M_ci_high, M_median, M_min, M_max,
/// then tie_best.
std::string write_delimited(const Report& report, char sep);

/// The first groups of the JSON that carry their learning curve.
constexpr size_t kCurveGroups = 10;

/// One JSON object: metrics, totals, groups (the first kCurveGroups with a
/// curve when jobs printed steps), marginals, failures, pivot.
std::string write_json(const Report& report);

/// A number in shortest round-trip form; NaN as empty.
std::string exact(double x);

}  // namespace sweep::report
