#pragma once

// The CLI's definitions as plain data, read from the CLI11 apps: what the
// man pages and the completion scripts are generated from, so neither can
// drift from --help.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace sweep::cli {

/// What an option's or argument's value is, for completion.
enum class ValueKind {
  kNone,    ///< A flag: no value.
  kText,    ///< Free text: nothing to complete.
  kChoice,  ///< One of OptionSpec::choices.
  kFile,    ///< A file name (FILE, DIR|FILE).
  kDir,     ///< A directory name (DIR).
  kParam,   ///< NAME=SPEC: a parameter name of the grid on the line.
};

/// One option or positional argument as --help shows it.
struct OptionSpec {
  std::vector<std::string> shorts;  ///< "j" for -j.
  std::vector<std::string> longs;   ///< "threads" for --threads.
  std::string positional;           ///< "GRID" for an argument; else empty.
  std::string value_name;           ///< "N", "FILE"; empty for a flag.
  std::string description;
  std::string group;  ///< --help's heading ("Options", "Failures", ...).
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;  ///< For kChoice, in --help's order.
};

/// One subcommand (or the top-level command, whose name is "sweep").
struct CommandSpec {
  std::string name;         ///< "run"; "sweep" for the top level.
  std::string description;  ///< The one-line summary --help shows.
  std::string usage;        ///< "sweep run [OPTIONS] [GRID] -- COMMAND..."
  std::string footer;       ///< --help's text after the options.
  std::vector<OptionSpec> options;      ///< In declaration order.
  std::vector<OptionSpec> positionals;  ///< In order.
};

/// The top level's own options and, after it, each visible subcommand;
/// hidden options and subcommands (empty group) are left out.
std::vector<CommandSpec> describe_cli(const CLI::App& app);

/// The option's names as typed ("-j, --threads"), or its argument name.
std::string display_names(const OptionSpec& o);

}  // namespace sweep::cli
