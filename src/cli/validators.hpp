#pragma once

// Option checks whose errors read as one short line naming the flag: CLI11's
// own print the whole double range ("Value 0 not in range 0.000000 to 1797...")
// or the internals of a transform.

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

namespace sweep::cli {

/// A plain decimal whole number of at least `min` that fits in 64 bits
/// ("must be a whole number >= 1, not '0'"); use with ->transform.
CLI::Validator at_least(std::uint64_t min);

/// Refuses an empty value for every option of `app`'s subcommands that
/// names a file, a directory or a size (type FILE, DIR, DIR|FILE, SIZE): an
/// unset shell variable (`-o "$OUT"`) must not silently mean "not given".
void refuse_empty_paths(CLI::App& app);

/// The name add_choice gives its validator, carrying the words so that
/// option_choices finds them again ("choices: jsonl text").
std::string choices_validator_name(const std::vector<std::string>& words);

/// The words an option declared with add_choice accepts; empty for others.
std::vector<std::string> option_choices(const CLI::Option& opt);

/// One of a fixed set of words, stored as the matching enum value.
template <class E>
CLI::Option* add_choice(CLI::App& app, const std::string& name, E& target,
                        const std::vector<std::pair<std::string, E>>& choices,
                        const std::string& description) {
  std::string allowed;
  std::vector<std::string> words;
  for (const auto& [word, value] : choices) {
    allowed += (allowed.empty() ? "" : ", ") + word;
    words.push_back(word);
  }
  auto* opt = app.add_option_function<std::string>(
      name,
      [&target, choices](const std::string& v) {
        for (const auto& [word, value] : choices)
          if (word == v) target = value;
      },
      description);
  opt->check(CLI::Validator(
      [choices, allowed](std::string& v) -> std::string {
        for (const auto& [word, value] : choices)
          if (word == v) return "";
        return "'" + v + "' is not one of " + allowed;
      },
      "", choices_validator_name(words)));
  return opt;
}

/// The candidate closest to word by edit distance, if it is close enough to
/// be a likely typo; empty otherwise.
std::string closest_match(const std::string& word,
                          const std::vector<std::string>& candidates);

/// A CLI11 error message ("--threads: ...") with the flag named as the user
/// typed it ("-j: ..."), looking the option up in the parsed subcommand.
std::string as_typed(const std::string& message, const CLI::App& app,
                     const std::vector<std::string>& args);

}  // namespace sweep::cli
