#include "validators.hpp"

#include <charconv>
#include <string>
#include <system_error>

namespace sweep::cli {

CLI::Validator whole_number_at_least(std::uint64_t min) {
  std::string rule = "must be a whole number ≥ " + std::to_string(min);
  auto check = [min, rule](std::string& text) -> std::string {
    std::uint64_t n = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, n);
    if (ec == std::errc::result_out_of_range && ptr == end)
      return rule + " below 2^64, not " + text;
    if (ec != std::errc() || ptr != end || text.empty() || n < min)
      return rule + ", not " + (text.empty() ? "nothing" : text);
    return "";
  };
  // The help shows the description after the type name: "N:POSITIVE".
  return CLI::Validator(check,
                        min == 1 ? "POSITIVE" : "INT>=" + std::to_string(min));
}

}  // namespace sweep::cli
