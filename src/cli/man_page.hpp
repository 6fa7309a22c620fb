#pragma once

// Man pages generated from the CLI's definitions (cli_spec.hpp) and a
// hand-written text per page, so their synopsis and options are --help's.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli_spec.hpp"

namespace sweep::cli {

/// The page's name: "sweep" for the top level, else "sweep-<name>".
std::string man_page_name(const CommandSpec& c);

/// One page in roff: NAME and SYNOPSIS from c, then `markup` (see
/// roff_from_markup; its untitled start is the DESCRIPTION), the options by
/// --help's groups, --help's examples, and SEE ALSO. The top-level page
/// also lists the subcommands of `all`.
std::string man_page(const CommandSpec& c, const std::vector<CommandSpec>& all,
                     const std::string& markup, const std::string& version);

/// Writes <page>.1 into out_dir for the top level and every subcommand of
/// app, each from docs_dir/<page>.txt; throws Error naming a missing text.
void write_man_pages(const CLI::App& app, const std::string& docs_dir,
                     const std::string& out_dir, const std::string& version);

}  // namespace sweep::cli
