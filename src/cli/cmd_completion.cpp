#include <unistd.h>

#include "cli_spec.hpp"
#include "commands.hpp"
#include "completion.hpp"
#include "output/output_stream.hpp"
#include "sweep/error.hpp"
#include "validators.hpp"

namespace sweep::cli {

CLI::App* setup_completion(CLI::App& app, CompletionCommandOptions& o) {
  auto* sub = app.add_subcommand(
      "completion", "Print the shell completion script for bash, zsh or fish");
  add_choice<CompletionShell>(*sub, "SHELL", o.shell,
                              {{"bash", CompletionShell::kBash},
                               {"zsh", CompletionShell::kZsh},
                               {"fish", CompletionShell::kFish}},
                              "The shell: bash, zsh or fish")
      ->type_name("")
      ->required();
  sub->footer(
      "Examples:\n"
      "  source <(sweep completion bash)   # in ~/.bashrc\n"
      "  sweep completion zsh > _sweep     # then move it to a directory of "
      "$fpath\n"
      "  sweep completion fish > ~/.config/fish/completions/sweep.fish");
  return sub;
}

int run_completion(const CompletionCommandOptions& o, const CLI::App& root) {
  std::vector<CommandSpec> commands = describe_cli(root);
  std::string script =
      o.shell == CompletionShell::kBash  ? bash_completion(commands)
      : o.shell == CompletionShell::kZsh ? zsh_completion(commands)
                                         : fish_completion(commands);
  OutputStream out(STDOUT_FILENO);
  out.write(script);
  out.flush();
  return kExitOk;
}

}  // namespace sweep::cli
