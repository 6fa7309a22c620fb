#pragma once

// A report's sections as plain tables of text, and the writers that lay
// them out: aligned for a terminal, Markdown, LaTeX. Each writer only lays
// out cells; what the cells say is decided once, in sections.cpp.

#include <string>
#include <vector>

namespace sweep::report {

struct Report;

/// One section: a title, a header, rows of cells, and notes below.
struct TextTable {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right;         ///< Per column: right-aligned (numbers).
  std::vector<std::string> notes;  ///< Lines after the table.
};

/// The report's sections: groups, marginals (with bars if asked), pivot,
/// failures.
std::vector<TextTable> sections(const Report& report, bool bars);

/// Columns padded to their widest cell (counted in characters, not bytes).
std::string write_aligned(const std::vector<TextTable>& tables);
/// GitHub-flavoured Markdown tables under `###` titles.
std::string write_markdown(const std::vector<TextTable>& tables);
/// LaTeX `tabular` environments (no package needed).
std::string write_latex(const std::vector<TextTable>& tables);

/// A number for people: whole numbers as they are, others to 4 significant
/// digits; NaN as "-".
std::string human(double x);

}  // namespace sweep::report
