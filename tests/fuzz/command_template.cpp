// Command templates: whatever the arguments, CommandTemplate parses them or
// throws a sweep::Error, exactly when the README's rules say so, and renders
// every point as those rules say. The rules are written out again here,
// from the README, as a regular expression over each argument:
// - `<name>` or `<name:default>` (a name: a letter, `_` or `@`, then
//   letters, digits, `_`, `-`, `.`; a default: anything but `<` and `>`) is
//   replaced by the point's value of `name`, or by the default when the
//   point has none; `<@job>`, `<@rep>`, `<@slot>` by the job's numbers,
//   `<@dir>` by the job's own directory, `<@gpus>` by its devices;
// - such a word naming no parameter (or no built-in) is an error, and so is
//   one without a default for a parameter some union member lacks;
// - `\` before such a word leaves the word as it is, without the `\`;
// - anything else, other `<` included, is literal; substitution is one
//   pass, so a value that looks like a placeholder stays as it is.
// Also: shell_join of a rendered argv reads back as the same words.
#include "command/command_template.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "sweep/grid.hpp"

using namespace sweep;

namespace {

// A union of two members: `a` and `b` in both, `c` only in the second.
// Values that look like placeholders, need quoting, or are empty.
const Grid& grid() {
  static const Grid g = [] {
    Grid g;
    g.axis("a", {std::string("<b>"), std::string("x y"), std::string()});
    g.axis("b", {std::int64_t{7}, 2.5});
    std::size_t m = g.add_member();
    g.set_axis(
        m, "a",
        std::make_shared<ValueList>(std::vector<Value>{std::string("it's")}));
    g.set_axis(m, "b", std::make_shared<ValueList>(std::vector<Value>{true}));
    g.set_axis(m, "c.d-e_f",
               std::make_shared<ValueList>(std::vector<Value>{
                   std::string("\\<a>"), std::string("<@job>")}));
    return g;
  }();
  return g;
}

const JobContext kCtx{
    .job = 12, .rep = 3, .slot = 1, .dir = "jobs/k 1", .gpus = "0,3"};

const std::regex& placeholder() {
  static const std::regex re("<([@A-Za-z_][A-Za-z0-9_.-]*)(?::([^<>]*))?>");
  return re;
}

// What the README says an argument renders to for a point, or nothing if it
// is an error (with `why`).
std::optional<std::string> expected(const std::string& arg, const Point* p,
                                    std::string& why) {
  std::string out;
  std::smatch m;
  for (size_t i = 0; i < arg.size();) {
    auto from = arg.begin() + static_cast<std::ptrdiff_t>(i);
    bool escaped = arg[i] == '\\' && i + 1 < arg.size() && arg[i + 1] == '<' &&
                   std::regex_search(from + 1, arg.end(), m, placeholder(),
                                     std::regex_constants::match_continuous);
    if (escaped) {
      out += '<';  // the rest of the word is literal text
      i += 2;
      continue;
    }
    if (arg[i] != '<' ||
        !std::regex_search(from, arg.end(), m, placeholder(),
                           std::regex_constants::match_continuous)) {
      out += arg[i++];
      continue;
    }
    std::string name = m[1];
    bool has_default = m[2].matched;
    i += m.length(0);
    if (name[0] == '@') {
      if (name != "@job" && name != "@rep" && name != "@slot" &&
          name != "@dir" && name != "@gpus") {
        why = "unknown built-in " + name;
        return std::nullopt;
      }
      if (name == "@dir" || name == "@gpus") {
        out += name == "@dir" ? kCtx.dir : kCtx.gpus;
        continue;
      }
      out += std::to_string(name == "@job"   ? kCtx.job
                            : name == "@rep" ? kCtx.rep
                                             : kCtx.slot);
      continue;
    }
    int param = grid().find_param(name);
    if (param < 0) {
      why = "unknown parameter " + name;
      return std::nullopt;
    }
    if (!has_default && !grid().in_every_member(param)) {
      why = "no default for " + name;
      return std::nullopt;
    }
    if (!p) continue;
    const Value* v = p->get(param);
    out += v ? to_text(*v) : std::string(m[2]);
  }
  return out;
}

// Reads a line of POSIX shell words as shell_join writes them: bare words,
// '...' and \' between them.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      size_t close = line.find('\'', i + 1);
      FUZZ_CHECK(close != std::string::npos, "unclosed quote in " << line);
      word += line.substr(i + 1, close - i - 1);
      i = close;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size > 1024) return 0;
  // Arguments are separated by NUL bytes, as in an argv.
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0)
      args.emplace_back();
    else
      args.back() += static_cast<char>(data[i]);
  }
  if (args.size() > 16) return 0;

  std::string why;
  bool valid = true;
  for (const auto& arg : args)
    valid = valid && expected(arg, nullptr, why).has_value();
  std::optional<CommandTemplate> t;
  std::string error;
  bool parsed = fuzz::accepts([&] { t.emplace(args, grid()); }, &error);
  FUZZ_CHECK(parsed == valid,
             (parsed ? "accepted though " + why : "rejected: " + error));
  if (!parsed) return 0;
  FUZZ_CHECK(t->size() == args.size());

  std::uint64_t points = grid().size();
  for (std::uint64_t i = 0; i < points; ++i) {
    Point p = grid().point(i);
    std::vector<std::string> argv = t->render(p, kCtx);
    FUZZ_CHECK(argv.size() == args.size());
    for (size_t k = 0; k < args.size(); ++k) {
      auto want = expected(args[k], &p, why);
      FUZZ_CHECK(argv[k] == *want,
                 "argument " << fuzz::show(args[k]) << " at point " << i
                             << " renders " << fuzz::show(argv[k]) << ", not "
                             << fuzz::show(*want));
    }
    std::string line = shell_join(argv);
    std::vector<std::string> words = shell_words(line);
    FUZZ_CHECK(words == argv, "shell_join gives " << fuzz::show(line));
  }
  // The program name has a placeholder when rendering it depends on a point
  // or job: compare it rendered with two different contexts.
  bool depends = false;
  JobContext other{.job = 99, .rep = 98, .slot = 97, .dir = "jobs/k2"};
  for (std::uint64_t i = 0; i < points; ++i)
    for (std::uint64_t j = 0; j < points; ++j)
      depends = depends || t->render(grid().point(i), kCtx)[0] !=
                               t->render(grid().point(j), other)[0];
  if (depends) FUZZ_CHECK(t->program_has_placeholder(), fuzz::show(args[0]));
  return 0;
}
