#include "man_page.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "output/output_stream.hpp"
#include "roff.hpp"
#include "sweep/error.hpp"

namespace sweep::cli {

namespace {

std::string upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "\fB\-j\fR, \fB\-\-threads\fR \fIN\fR"
std::string option_term(const OptionSpec& o) {
  std::string term;
  auto add = [&](const std::string& name) {
    term += (term.empty() ? "\\fB" : ", \\fB") + roff_escape(name) + "\\fR";
  };
  for (const auto& s : o.shorts) add("-" + s);
  for (const auto& l : o.longs) add("--" + l);
  if (!o.value_name.empty())
    term += " \\fI" + roff_escape(o.value_name) + "\\fR";
  return term;
}

// OPTIONS, a subsection per --help group, in the order they first appear.
std::string options_section(const CommandSpec& c) {
  std::string out;
  if (!c.positionals.empty()) {
    out += ".SH ARGUMENTS\n";
    for (const OptionSpec& p : c.positionals)
      out += ".TP\n\\fI" + roff_escape(p.positional) + "\\fR\n" +
             roff_escape(p.description) + "\n";
  }
  std::vector<std::string> groups;
  for (const OptionSpec& o : c.options)
    if (std::find(groups.begin(), groups.end(), o.group) == groups.end())
      groups.push_back(o.group);
  out += ".SH OPTIONS\n";
  for (const std::string& g : groups) {
    if (groups.size() > 1) out += ".SS " + roff_escape(g) + "\n";
    for (const OptionSpec& o : c.options)
      if (o.group == g)
        out +=
            ".TP\n" + option_term(o) + "\n" + roff_escape(o.description) + "\n";
  }
  return out;
}

std::string commands_section(const std::vector<CommandSpec>& all) {
  std::string out = ".SH COMMANDS\n";
  for (size_t i = 1; i < all.size(); ++i)
    out += ".TP\n\\fB" + roff_escape(all[i].name) + "\\fR\n" +
           roff_escape(all[i].description) + "; see \\fB" +
           roff_escape(man_page_name(all[i])) + "\\fR(1).\n";
  return out;
}

// --help's footer ("Examples:" and indented lines) as an EXAMPLES section.
std::string footer_section(const std::string& footer) {
  if (footer.empty()) return "";
  std::string text = footer;
  if (text.rfind("Examples:", 0) == 0) text.replace(0, 9, "# EXAMPLES");
  return roff_from_markup(text);
}

std::string see_also(const CommandSpec& c,
                     const std::vector<CommandSpec>& all) {
  std::string refs;
  for (const CommandSpec& other : all)
    if (other.name != c.name)
      refs += (refs.empty() ? "\\fB" : ",\n\\fB") +
              roff_escape(man_page_name(other)) + "\\fR(1)";
  return ".SH SEE ALSO\n" + refs + "\n";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(path +
                ": cannot read the man page's text: " + std::strerror(errno));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string man_page_name(const CommandSpec& c) {
  return c.name == "sweep" ? c.name : "sweep-" + c.name;
}

std::string man_page(const CommandSpec& c, const std::vector<CommandSpec>& all,
                     const std::string& markup, const std::string& version) {
  std::string name = man_page_name(c);
  std::string page = ".TH " + roff_escape(upper(name)) + " 1 \"\" \"sweep " +
                     roff_escape(version) + "\" \"User Commands\"\n";
  // No hyphenation, ragged right: an option name in the text must never be
  // broken at its own hyphen, nor spread out.
  page += ".nh\n.ad l\n";
  // The top level's summary starts with "sweep: ", which NAME already says.
  std::string summary = c.description;
  if (summary.rfind(c.name + ": ", 0) == 0) summary.erase(0, c.name.size() + 2);
  page +=
      ".SH NAME\n" + roff_escape(name) + " \\- " + roff_escape(summary) + "\n";
  page += ".SH SYNOPSIS\n.nf\n" + roff_escape(c.usage) + "\n.fi\n";
  page += ".SH DESCRIPTION\n" + roff_from_markup(markup);
  if (&c == &all.front()) page += commands_section(all);
  page += options_section(c);
  page += footer_section(c.footer);
  return page + see_also(c, all);
}

void write_man_pages(const CLI::App& app, const std::string& docs_dir,
                     const std::string& out_dir, const std::string& version) {
  std::vector<CommandSpec> all = describe_cli(app);
  for (const CommandSpec& c : all) {
    std::string name = man_page_name(c);
    std::string page =
        man_page(c, all, read_text(docs_dir + "/" + name + ".txt"), version);
    OutputStream out = OutputStream::open_file(out_dir + "/" + name + ".1");
    out.write(page);
    out.flush();
  }
}

}  // namespace sweep::cli
