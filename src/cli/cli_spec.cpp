#include "cli_spec.hpp"

#include "validators.hpp"

namespace sweep::cli {

namespace {

// What a value is, from how --help names it: the names are the contract
// ("FILE", "DIR", "DIR|FILE", "NAME=SPEC"), so a new file option completes
// file names without anyone listing it here.
ValueKind kind_of(const CLI::Option& opt, const std::string& value_name) {
  if (!option_choices(opt).empty()) return ValueKind::kChoice;
  if (value_name.find("FILE") != std::string::npos) return ValueKind::kFile;
  if (value_name == "DIR") return ValueKind::kDir;
  if (value_name == "NAME=SPEC") return ValueKind::kParam;
  return ValueKind::kText;
}

OptionSpec describe_option(const CLI::Option& opt) {
  OptionSpec o;
  o.shorts = opt.get_snames();
  o.longs = opt.get_lnames();
  o.description = opt.get_description();
  o.group = opt.get_group();
  if (!opt.nonpositional()) o.positional = opt.get_name();
  if (opt.get_expected_max() == 0) return o;  // a flag
  // An argument whose type name is empty is named by itself ("FILE").
  o.value_name = opt.get_option_text();
  if (o.value_name.empty()) o.value_name = opt.get_type_name();
  if (o.value_name.empty()) o.value_name = o.positional;
  o.kind = kind_of(opt, o.value_name);
  o.choices = option_choices(opt);
  return o;
}

std::string usage_of(const CLI::App& app) {
  auto* formatter = dynamic_cast<CLI::Formatter*>(app.get_formatter().get());
  std::string name = app.get_parent() == nullptr
                         ? app.get_name()
                         : app.get_parent()->get_name() + " " + app.get_name();
  std::string line =
      formatter == nullptr ? name : formatter->make_usage(&app, name);
  // CLI11's "Usage: ...\n" without its label and newline.
  if (line.rfind("Usage: ", 0) == 0) line.erase(0, 7);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

CommandSpec describe_command(const CLI::App& app) {
  CommandSpec c;
  c.name = app.get_name();
  c.description = app.get_description();
  c.usage = usage_of(app);
  c.footer = app.get_footer();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    OptionSpec o = describe_option(*opt);
    (o.positional.empty() ? c.options : c.positionals).push_back(o);
  }
  return c;
}

}  // namespace

std::vector<CommandSpec> describe_cli(const CLI::App& app) {
  std::vector<CommandSpec> commands{describe_command(app)};
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) commands.push_back(describe_command(*sub));
  return commands;
}

std::string display_names(const OptionSpec& o) {
  if (!o.positional.empty()) return o.positional;
  std::string names;
  for (const auto& s : o.shorts) names += (names.empty() ? "-" : ", -") + s;
  for (const auto& l : o.longs) names += (names.empty() ? "--" : ", --") + l;
  return names;
}

}  // namespace sweep::cli
