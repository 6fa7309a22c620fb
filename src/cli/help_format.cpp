#include "help_format.hpp"

namespace sweep::cli {

std::string UsageFormatter::make_usage(const CLI::App* app,
                                       std::string name) const {
  std::string line = CLI::Formatter::make_usage(app, std::move(name));
  if (tail_.empty()) return line;
  // CLI11's line ends with a newline; the tail goes before it.
  size_t end = line.find_last_not_of('\n') + 1;
  return line.substr(0, end) + " " + tail_ + line.substr(end);
}

void set_usage_tail(CLI::App& sub, const std::string& tail) {
  sub.formatter(std::make_shared<UsageFormatter>(tail));
}

}  // namespace sweep::cli
