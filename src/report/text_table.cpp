#include "report/text_table.hpp"

#include <cmath>
#include <cstdio>

namespace sweep::report {

std::string human(double x) {
  if (std::isnan(x)) return "-";
  char buf[64];
  if (x == std::floor(x) && std::fabs(x) < 1e12)
    std::snprintf(buf, sizeof buf, "%.0f", x);
  else
    std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

namespace {

// Characters, not bytes: UTF-8 continuation bytes take no column.
size_t width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xc0) != 0x80;
  return w;
}

void pad(std::string& out, const std::string& cell, size_t w, bool right) {
  std::string fill(w - width(cell), ' ');
  out += right ? fill + cell : cell + fill;
}

}  // namespace

std::string write_aligned(const std::vector<TextTable>& tables) {
  std::string out;
  for (const TextTable& t : tables) {
    if (!out.empty()) out += '\n';
    out += t.title + '\n';
    std::vector<size_t> w(t.header.size(), 0);
    for (size_t c = 0; c < w.size(); ++c) w[c] = width(t.header[c]);
    for (const auto& row : t.rows)
      for (size_t c = 0; c < row.size() && c < w.size(); ++c)
        w[c] = std::max(w[c], width(row[c]));
    auto line = [&](const std::vector<std::string>& cells) {
      std::string l = " ";
      for (size_t c = 0; c < cells.size() && c < w.size(); ++c) {
        l += ' ';
        pad(l, cells[c], w[c], c < t.right.size() && t.right[c]);
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out += l + '\n';
    };
    if (!t.header.empty()) line(t.header);
    for (const auto& row : t.rows) line(row);
    for (const auto& note : t.notes) out += "  " + note + '\n';
  }
  return out;
}

namespace {

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string tex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  // The report's own symbols, in math mode.
  for (auto [from, to] : {std::pair<std::string, std::string>{"±", "$\\pm$"},
                          {"η²", "$\\eta^2$"}})
    for (size_t at; (at = out.find(from)) != std::string::npos;)
      out.replace(at, from.size(), to);
  return out;
}

}  // namespace

std::string write_markdown(const std::vector<TextTable>& tables) {
  std::string out;
  for (const TextTable& t : tables) {
    if (!out.empty()) out += '\n';
    out += "### " + md_cell(t.title) + "\n\n";
    if (!t.header.empty()) {
      std::string head = "|", rule = "|";
      for (size_t c = 0; c < t.header.size(); ++c) {
        head += " " + md_cell(t.header[c]) + " |";
        rule += c < t.right.size() && t.right[c] ? " ---: |" : " --- |";
      }
      out += head + '\n' + rule + '\n';
      for (const auto& row : t.rows) {
        std::string l = "|";
        for (const auto& cell : row) l += " " + md_cell(cell) + " |";
        out += l + '\n';
      }
    }
    if (!t.notes.empty()) out += '\n';
    for (const auto& note : t.notes) out += md_cell(note) + "\n";
  }
  return out;
}

std::string write_latex(const std::vector<TextTable>& tables) {
  std::string out;
  for (const TextTable& t : tables) {
    out += "% " + t.title + "\n";
    if (t.header.empty()) continue;
    std::string cols;
    for (size_t c = 0; c < t.header.size(); ++c)
      cols += c < t.right.size() && t.right[c] ? 'r' : 'l';
    out += "\\begin{tabular}{" + cols + "}\n\\hline\n";
    auto line = [&](const std::vector<std::string>& cells) {
      for (size_t c = 0; c < cells.size(); ++c)
        out += (c ? " & " : "") + tex_escape(cells[c]);
      out += " \\\\\n";
    };
    line(t.header);
    out += "\\hline\n";
    for (const auto& row : t.rows) line(row);
    out += "\\hline\n\\end{tabular}\n\n";
  }
  return out;
}

}  // namespace sweep::report
