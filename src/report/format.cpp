#include "report/format.hpp"

#include <charconv>
#include <cmath>

#include "report/text_table.hpp"

namespace sweep::report {

std::optional<Format> format_for_path(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() > ext.size() &&
           path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".md")) return Format::kMd;
  if (ends(".csv")) return Format::kCsv;
  if (ends(".tsv")) return Format::kTsv;
  if (ends(".json")) return Format::kJson;
  if (ends(".tex")) return Format::kLatex;
  if (ends(".txt")) return Format::kTable;
  return std::nullopt;
}

std::string exact(double x) {
  if (std::isnan(x)) return "";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, end);
}

namespace {

// A field quoted as RFC 4180 wants when it holds the separator, a quote or
// a line break (TSV: those become spaces).
std::string field(const std::string& s, char sep) {
  if (s.find_first_of(std::string{sep, '"', '\n', '\r'}) == std::string::npos)
    return s;
  if (sep == '\t') {
    std::string out = s;
    for (char& c : out)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return out;
  }
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + '"';
}

std::string tie_best(const GroupRow& row) {
  return row.tie == Tie::kUnknown ? ""
         : row.tie == Tie::kWorse ? "false"
                                  : "true";
}

std::string pivot_delimited(const Pivot& p, char sep) {
  std::string out = field(p.row, sep);
  for (const Value& c : p.cols) out += sep + field(to_text(c), sep);
  out += '\n';
  for (size_t i = 0; i < p.rows.size(); ++i) {
    out += field(to_text(p.rows[i]), sep);
    for (const Summary& s : p.cells[i]) out += sep + exact(s.mean);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string write_delimited(const Report& r, char sep) {
  if (r.pivot) return pivot_delimited(*r.pivot, sep);
  const Dataset& d = *r.data;
  std::vector<std::string> head = group_headers(d);
  for (const auto& m : d.metrics)
    for (const char* s : {"n", "mean", "sd", "sem", "ci_low", "ci_high",
                          "median", "min", "max"})
      head.push_back(m.name + "_" + s);
  head.push_back("tie_best");
  std::string out;
  for (size_t i = 0; i < head.size(); ++i)
    out += (i ? std::string(1, sep) : "") + field(head[i], sep);
  out += '\n';
  for (const GroupRow& row : r.rows) {
    std::vector<std::string> cells = group_cells(d, *row.group);
    for (const Summary& s : row.metrics)
      for (double x : {static_cast<double>(s.n), s.mean, s.sd, s.sem, s.ci_low,
                       s.ci_high, s.median, s.min, s.max})
        cells.push_back(exact(x));
    cells.push_back(tie_best(row));
    for (size_t i = 0; i < cells.size(); ++i)
      out += (i ? std::string(1, sep) : "") + field(cells[i], sep);
    out += '\n';
  }
  return out;
}

std::string render(const Report& report, Format format) {
  switch (format) {
    case Format::kTable:
      return write_aligned(sections(report, true));
    case Format::kMd:
      return write_markdown(sections(report, false));
    case Format::kLatex:
      return write_latex(sections(report, false));
    case Format::kCsv:
      return write_delimited(report, ',');
    case Format::kTsv:
      return write_delimited(report, '\t');
    case Format::kJson:
      return write_json(report);
  }
  return "";
}

}  // namespace sweep::report
