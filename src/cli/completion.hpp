#pragma once

// Completion scripts for `sweep completion SHELL`, generated from the CLI's
// definitions (cli_spec.hpp): every subcommand, option, choice, and the
// kind of value each option takes.

#include <string>
#include <vector>

#include "cli_spec.hpp"

namespace sweep::cli {

/// A bash script defining and registering the completion of `sweep`.
std::string bash_completion(const std::vector<CommandSpec>& commands);
/// A zsh script (#compdef sweep) for fpath or `source`.
std::string zsh_completion(const std::vector<CommandSpec>& commands);
/// A fish script of `complete -c sweep` lines.
std::string fish_completion(const std::vector<CommandSpec>& commands);

/// The shell pipeline that prints the parameter names of the grid file in
/// "$1" (from its first point), one per line, for completing -p NAME=.
extern const char* const kGridParamsPipeline;

}  // namespace sweep::cli
