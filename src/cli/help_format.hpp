#pragma once

// How `--help` shows a subcommand's usage line.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace sweep::cli {

/// CLI11's help, with a usage line that can end with what CLI11 cannot know:
/// `sweep run` takes its command after `--`, outside CLI11's parsing, so the
/// default line (`Usage: sweep run [OPTIONS] [GRID]`) would hide it.
class UsageFormatter : public CLI::Formatter {
 public:
  /// tail is appended to the usage line, e.g. "-- COMMAND [ARG]...".
  explicit UsageFormatter(std::string tail) : tail_(std::move(tail)) {}

  std::string make_usage(const CLI::App* app, std::string name) const override;

 private:
  std::string tail_;  ///< Words after CLI11's own; empty for none.
};

/// Gives sub a usage line ending in tail (see UsageFormatter).
void set_usage_tail(CLI::App& sub, const std::string& tail);

}  // namespace sweep::cli
