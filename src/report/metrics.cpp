// Metric extraction is on the hot path of a report (every line of every
// job), so the plain-line rule is a hand-written scan, not a regex;
// PCRE2 only runs when the user gives --metric-regex.
#include "report/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/decimal.hpp"
#include "sweep/error.hpp"

namespace sweep::report {

MetricSpec MetricSpec::parse(std::string_view text, std::string_view flag) {
  MetricSpec spec;
  size_t colon = text.rfind(':');
  spec.name = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view goal = text.substr(colon + 1);
    if (goal == "max") {
      spec.goal = Goal::kMax;
    } else if (goal == "min") {
      spec.goal = Goal::kMin;
    } else {
      throw Error(std::string(flag) + " " + std::string(text) + ": goal '" +
                  std::string(goal) + "' is not max or min");
    }
  }
  if (spec.name.empty())
    throw Error(std::string(flag) + " " + std::string(text) +
                ": no metric name (write NAME or NAME:max or NAME:min)");
  if (text.find(',') != std::string_view::npos)
    throw Error(std::string(flag) + " '" + std::string(text) +
                "': one metric a flag (repeat " + std::string(flag) +
                " for more)");
  return spec;
}

namespace {

// Clinger's fast path, for the numbers programs mostly print: [-]D+[.D+]
// with at most 15 digits is m / 10^k with both exact doubles, so the one
// division rounds correctly, to what from_chars gives. False for the rest.
bool exact_decimal(std::string_view t, double& out) {
  bool negative = !t.empty() && t[0] == '-';
  std::uint64_t m = 0;
  unsigned digits = 0, fraction = 0;
  bool point = false;
  for (size_t i = negative; i < t.size(); ++i) {
    char c = t[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 15) return false;
      m = m * 10 + static_cast<unsigned>(c - '0');
      fraction += point;
    } else if (c == '.' && !point && digits) {
      point = true;
    } else {
      return false;
    }
  }
  if (!digits || (point && !fraction)) return false;
  double d = scale_exact(m, -static_cast<int>(fraction));
  out = negative ? -d : d;
  return true;
}

}  // namespace

std::optional<double> parse_number(std::string_view text) {
  double v = 0;
  if (exact_decimal(text, v)) return v;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  // inf and nan are no measurement (JSON has neither): as missing, they can
  // not become the best group or pass an --assert.
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

namespace {

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' || c == '/';
}

bool value_end(char c) {
  return c == ' ' || c == '\t' || c == ',' || c == ';' || c == ')' ||
         c == ']' || c == '}' || c == '\r';
}

// The key ending just before `at`, if it starts with a letter or '_'.
std::string_view key_before(std::string_view line, size_t at) {
  size_t b = at;
  while (b > 0 && key_char(line[b - 1])) --b;
  std::string_view key = line.substr(b, at - b);
  if (!key.empty() && (key.back() == '.' || key.back() == '-'))
    return {};  // "x.=1" or "a-=2" is no key
  if (key.empty() ||
      !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_'))
    return {};
  return key;
}

// The number starting at `from`, up to the next separator.
std::optional<double> value_at(std::string_view line, size_t from,
                               size_t& end) {
  end = from;
  while (end < line.size() && !value_end(line[end])) ++end;
  return parse_number(line.substr(from, end - from));
}

// Where word occurs in line from `from` on, or npos; a loop the compiler
// sees through, cheaper than find()'s calls on a short line.
template <size_t N>
size_t find_word(std::string_view line, const char (&word)[N], size_t from) {
  for (size_t at = from; at + (N - 1) <= line.size(); ++at)
    if (line[at] == word[0] && std::memcmp(line.data() + at, word, N - 1) == 0)
      return at;
  return std::string_view::npos;
}

// `epoch 3` or `step 12`: a step key written as a word and a number.
template <size_t N>
void scan_step_word(std::string_view line, const char (&name)[N],
                    LinePairs& out) {
  std::string_view word(name, N - 1);
  for (size_t at = find_word(line, name, 0); at != std::string_view::npos;
       at = find_word(line, name, at + 1)) {
    size_t after = at + word.size();
    if ((at > 0 && key_char(line[at - 1])) || after >= line.size() ||
        line[after] != ' ')
      continue;
    while (after < line.size() && line[after] == ' ') ++after;
    size_t end;
    if (auto v = value_at(line, after, end)) out.emplace_back(word, *v);
  }
}

}  // namespace

// --metric-regex, compiled by PCRE2: Perl's syntax with named groups, and
// a matcher that keeps its backtracking on the heap, bounded (std::regex
// recursed once per character and crashed on a line of 50 KB).
struct LineScanner::Regex {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;
  std::uint32_t key = 0, value = 0;  ///< Group numbers.
  bool utf = false;                  ///< (*UTF): offsets move by characters.
  ~Regex() {
    pcre2_match_context_free(context);
    pcre2_code_free(code);
  }
};

namespace {

// The backtracking memory one line's match may use, in KiB: a pattern that
// needs more gives that line's earlier matches only (README).
constexpr std::uint32_t kRegexHeapKiB = 256 << 10;

// Compiled as ECMAScript reads one of sweep's lines, as std::regex did:
// `.` stops at \r (progress bars and \r\n output end lines with it; a line
// never holds \n), `$` only at the very end. CR alone is the newline, as
// ANYCRLF would make a search step over a whole \r\n. \C, which could end
// a match inside a UTF-8 character, is refused.
pcre2_code* compile_regex(const std::string& regex) {
  std::unique_ptr<pcre2_compile_context, decltype(&pcre2_compile_context_free)>
      context(pcre2_compile_context_create(nullptr),
              &pcre2_compile_context_free);
  if (!context) throw std::bad_alloc();
  pcre2_set_newline(context.get(), PCRE2_NEWLINE_CR);
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(),
                    PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C, &error,
                    &offset, context.get());
  if (code) return code;
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(error, message, sizeof message);
  throw Error("--metric-regex '" + regex +
              "': " + reinterpret_cast<const char*>(message) + " at offset " +
              std::to_string(offset));
}

// The number of the group named `name`; throws naming what is wrong.
std::uint32_t group_number(const pcre2_code* code, const std::string& regex,
                           const char* name) {
  int n = pcre2_substring_number_from_name(code,
                                           reinterpret_cast<PCRE2_SPTR>(name));
  if (n == PCRE2_ERROR_NOUNIQUESUBSTRING)
    throw Error("--metric-regex '" + regex + "': more than one group named " +
                name);
  if (n <= 0)
    throw Error("--metric-regex '" + regex +
                "': needs the named groups (?<key>...) and (?<value>...)");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

LineScanner::LineScanner(const std::string& regex) {
  if (regex.empty()) return;
  regex_ = std::make_unique<Regex>();
  regex_->code = compile_regex(regex);
  regex_->key = group_number(regex_->code, regex, "key");
  regex_->value = group_number(regex_->code, regex, "value");
  std::uint32_t options = 0;
  pcre2_pattern_info(regex_->code, PCRE2_INFO_ALLOPTIONS, &options);
  regex_->utf = options & PCRE2_UTF;
  regex_->context = pcre2_match_context_create(nullptr);
  if (!regex_->context) throw std::bad_alloc();
  pcre2_set_heap_limit(regex_->context, kRegexHeapKiB);
}

LineScanner::~LineScanner() = default;
LineScanner::LineScanner(LineScanner&&) noexcept = default;

// Match after match, as Perl's //g and std::regex_iterator go: after an
// empty match, first a non-empty one at the same place, else on by one
// character (a whole UTF-8 character with (*UTF)). Every step moves on,
// whatever a \K in a lookaround makes of a match's start and end.
void LineScanner::scan_regex(std::string_view line, LinePairs& out) const {
  // Per call, so that scanners on several threads share nothing.
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(regex_->code, nullptr),
      &pcre2_match_data_free);
  if (!match) throw std::bad_alloc();
  auto subject = reinterpret_cast<PCRE2_SPTR>(line.data());
  auto next_char = [&](PCRE2_SIZE at) {
    ++at;
    while (regex_->utf && at < line.size() && (line[at] & 0xc0) == 0x80) ++at;
    return at;
  };
  constexpr std::uint32_t kRetry = PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED;
  std::uint32_t retry = 0, checked = 0;
  for (PCRE2_SIZE at = 0; at <= line.size();) {
    int rc = pcre2_match(regex_->code, subject, line.size(), at,
                         retry | checked, match.get(), regex_->context);
    checked = PCRE2_NO_UTF_CHECK;  // the line is checked once, at first
    if (rc == PCRE2_ERROR_NOMATCH && retry) {
      retry = 0;
      at = next_char(at);
      continue;
    }
    if (rc < 0) return;  // no more matches, or past the match or heap limit
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match.get());
    if (ov[0] > ov[1]) return;  // \K past the end: as pcre2demo, give up
    auto group = [&](std::uint32_t g) {
      if (ov[2 * g] == PCRE2_UNSET) return std::string_view();
      return line.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    };
    std::string_view key = group(regex_->key);
    if (auto v = parse_number(group(regex_->value)); v && !key.empty())
      out.emplace_back(key, *v);
    if (ov[1] > at) {  // moved on; an empty match tries non-empty there
      at = ov[1];
      retry = ov[0] == ov[1] ? kRetry : 0;
    } else if (ov[0] == at && !retry) {  // empty, where the search began
      retry = kRetry;
    } else {  // no further than where it began (a retry's, or \K's)
      retry = 0;
      at = next_char(at);
      continue;
    }
    if (retry && at == line.size()) return;
  }
}

void LineScanner::scan(std::string_view line, LinePairs& out) const {
  if (regex_) return scan_regex(line, out);
  scan_step_word(line, "epoch", out);
  scan_step_word(line, "step", out);
  for (size_t at = 0; at < line.size(); ++at) {
    char c = line[at];
    if (c != '=' && c != ':') continue;
    std::string_view key = key_before(line, at);
    if (key.empty()) continue;
    size_t from = at + 1;
    if (c == ':')
      while (from < line.size() && (line[from] == ' ' || line[from] == '\t'))
        ++from;
    size_t end;
    if (auto v = value_at(line, from, end)) {
      out.emplace_back(key, *v);
      at = end - 1;
    }
  }
}

void MetricValues::add(double value, std::optional<double> step) {
  double s = step.value_or(kNoStep);
  if (count_ == 0 || s < first_step_) {
    first_ = value;
    first_step_ = s;
  }
  if (s >= last_step_) {
    last_ = value;
    last_step_ = s;
  }
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = count_ == 0 ? value : std::max(max_, value);
  sum_ += value;
  ++count_;
}

double MetricValues::reduce(Reduce how, Goal goal) const {
  switch (how) {
    case Reduce::kFirst:
      return first_;
    case Reduce::kMin:
      return min_;
    case Reduce::kMax:
      return max_;
    case Reduce::kMean:
      return sum_ / static_cast<double>(count_);
    case Reduce::kBest:
      return goal == Goal::kMin ? min_ : max_;
    case Reduce::kLast:
      break;
  }
  return last_;
}

}  // namespace sweep::report
