#include "validators.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace sweep::cli {

CLI::Validator at_least(std::uint64_t min) {
  // CLI11 reads integers with strtoull, which takes -1 as 2^64-1, a number
  // too large as 2^64-1 and 010 as octal 8: accept plain decimal digits
  // only, and hand CLI11 the number without leading zeros (so use this with
  // ->transform, not ->check).
  return CLI::Validator(
      [min](std::string& s) -> std::string {
        std::uint64_t v = 0;
        const char* end = s.data() + s.size();
        auto r = std::from_chars(s.data(), end, v);
        if (r.ec == std::errc::result_out_of_range)
          return "must fit in 64 bits, not '" + s + "'";
        if (r.ec != std::errc() || r.ptr != end || v < min)
          return "must be a whole number >= " + std::to_string(min) +
                 ", not '" + s + "'";
        s = std::to_string(v);
        return "";
      },
      "", "");
}

void refuse_empty_paths(CLI::App& app) {
  CLI::Validator non_empty(
      [](std::string& s) -> std::string {
        return s.empty() ? "must not be empty" : "";
      },
      "", "");
  for (CLI::App* sub : app.get_subcommands({}))
    for (CLI::Option* opt : sub->get_options()) {
      const std::string& type = opt->get_type_name();
      if (opt->get_expected_min() > 0 && (type == "FILE" || type == "DIR" ||
                                          type == "DIR|FILE" || type == "SIZE"))
        opt->check(non_empty);
    }
}

namespace {

constexpr std::string_view kChoicesPrefix = "choices:";

}  // namespace

std::string choices_validator_name(const std::vector<std::string>& words) {
  std::string name(kChoicesPrefix);
  for (const auto& w : words) name += " " + w;
  return name;
}

std::vector<std::string> option_choices(const CLI::Option& opt) {
  // CLI11 2.3 lists validators only through a non-const accessor; this
  // reads them and changes nothing.
  auto& o = const_cast<CLI::Option&>(opt);
  for (int i = 0;; ++i) {
    const CLI::Validator* v = nullptr;
    try {
      v = o.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    const std::string& name = v->get_name();
    if (name.rfind(kChoicesPrefix, 0) != 0) continue;
    std::vector<std::string> words;
    std::istringstream in(name.substr(kChoicesPrefix.size()));
    for (std::string w; in >> w;) words.push_back(w);
    return words;
  }
}

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_match(const std::string& word,
                          const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d || (d == best_d && c.rfind(word, 0) == 0)) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

namespace {

// The deepest subcommand that was parsed (where the failing option lives).
const CLI::App* parsed_leaf(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands())
    if (sub->parsed()) return parsed_leaf(*sub);
  return &app;
}

}  // namespace

std::string as_typed(const std::string& message, const CLI::App& app,
                     const std::vector<std::string>& args) {
  size_t colon = message.find(": ");
  if (colon == std::string::npos || message[0] != '-') return message;
  std::string name = message.substr(0, colon);
  const CLI::Option* opt = nullptr;
  try {
    opt = parsed_leaf(app)->get_option(name);
  } catch (const CLI::OptionNotFound&) {
    return message;
  }
  std::vector<std::string> spellings;
  for (const auto& s : opt->get_snames()) spellings.push_back("-" + s);
  for (const auto& l : opt->get_lnames()) spellings.push_back("--" + l);
  for (const auto& arg : args)
    for (const auto& s : spellings)
      if (arg == s || arg.rfind(s + "=", 0) == 0 ||
          (s.size() == 2 && arg.rfind(s, 0) == 0))
        return s + message.substr(colon);
  return message;
}

}  // namespace sweep::cli
