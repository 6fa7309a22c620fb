#include "roff.hpp"

#include <sstream>

namespace sweep::cli {

std::string roff_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  // A line starting with '.' or '\'' would be read as a request.
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

namespace {

// `code` spans in bold; the text in between escaped.
std::string inline_markup(const std::string& line) {
  std::string out;
  bool code = false;
  size_t start = 0;
  for (size_t tick; (tick = line.find('`', start)) != std::string::npos;
       start = tick + 1) {
    out += roff_escape(line.substr(start, tick - start));
    out += code ? "\\fR" : "\\fB";
    code = !code;
  }
  out += roff_escape(line.substr(start));
  if (code) out += "\\fR";
  // Escaping may have left a request-like start only for the first piece.
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

}  // namespace

std::string roff_from_markup(const std::string& markup) {
  std::istringstream in(markup);
  std::string out;
  bool literal = false, paragraph = false;
  for (std::string line; std::getline(in, line);) {
    bool indented = line.rfind("  ", 0) == 0;
    if (literal && !indented) {
      out += ".fi\n.RE\n";
      literal = false;
    }
    if (line.empty()) {
      paragraph = false;
    } else if (line.rfind("# ", 0) == 0) {
      out += ".SH " + roff_escape(line.substr(2)) + "\n";
      paragraph = true;  // .SH starts one
    } else if (indented) {
      if (!literal) out += ".sp\n.RS 4\n.nf\n";
      literal = true;
      out += roff_escape(line.substr(2)) + "\n";
    } else {
      if (!paragraph) out += ".PP\n";
      paragraph = true;
      out += inline_markup(line) + "\n";
    }
  }
  if (literal) out += ".fi\n.RE\n";
  return out;
}

}  // namespace sweep::cli
