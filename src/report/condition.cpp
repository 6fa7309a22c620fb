#include "report/condition.hpp"

#include "report/metrics.hpp"
#include "sweep/error.hpp"

namespace sweep::report {

namespace {

// Longest operators first, so `>=` is not read as `>` then `=3`.
constexpr std::pair<std::string_view, Op> kOps[] = {
    {">=", Op::kGe}, {"<=", Op::kLe}, {"!=", Op::kNe}, {"==", Op::kEq},
    {">", Op::kGt},  {"<", Op::kLt},  {"=", Op::kEq}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

Condition parse_one(std::string_view item, std::string_view flag) {
  auto bad = [&](const std::string& why) {
    return Error(std::string(flag) + " '" + std::string(item) + "': " + why);
  };
  size_t at = item.find_first_of("<>=!");
  if (at == std::string_view::npos)
    throw bad("no comparison (write NAME=VALUE, NAME>=VALUE, ...)");
  Condition c;
  c.written = std::string(trim(item));
  c.name = std::string(trim(item.substr(0, at)));
  std::string_view rest = item.substr(at);
  bool known = false;
  for (const auto& [word, op] : kOps)
    if (rest.substr(0, word.size()) == word) {
      c.op = op;
      rest.remove_prefix(word.size());
      known = true;
      break;
    }
  if (!known)
    throw bad("'" + std::string(rest.substr(0, 2)) +
              "' is not one of =, !=, <, <=, >, >=");
  if (c.name.empty()) throw bad("no name before the comparison");
  c.text = std::string(trim(rest));
  if (c.text.empty()) throw bad("no value after the comparison");
  if (c.text.find_first_of("<>=!") != std::string::npos)
    throw bad("more than one comparison");
  c.number = parse_number(c.text);
  return c;
}

template <class T>
bool compare(const T& a, Op op, const T& b) {
  switch (op) {
    case Op::kEq:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
  }
  return false;
}

}  // namespace

std::vector<Condition> parse_conditions(std::string_view text,
                                        std::string_view flag) {
  std::vector<Condition> out;
  for (size_t from = 0; from <= text.size();) {
    size_t comma = text.find(',', from);
    if (comma == std::string_view::npos) comma = text.size();
    out.push_back(parse_one(text.substr(from, comma - from), flag));
    from = comma + 1;
  }
  return out;
}

bool Condition::holds(const Value& value) const {
  auto v = as_number(value);
  if (v && number) return compare(*v, op, *number);
  return compare(to_text(value), op, text);
}

}  // namespace sweep::report
