#include "sweep/grid_parse.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/json_text.hpp"
#include "sweep/error.hpp"

namespace sweep {
namespace {

using Json = nlohmann::ordered_json;

// "file:line:col" for a byte offset, as compilers print it.
std::string location(std::string_view text, size_t byte,
                     const std::string& source) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return source + ":" + std::to_string(line) + ":" + std::to_string(col);
}

// A char iterator that records how far nlohmann's parser has read, so the
// errors it reports without a position (a number beyond a double) or does not
// report at all (a key given twice) can still be located.
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* p, const char** read) : p_(p), read_(read) {}
  reference operator*() const {
    if (p_ >= *read_) *read_ = p_ + 1;
    return *p_;
  }
  TrackingIterator& operator++() {
    ++p_;
    return *this;
  }
  bool operator==(const TrackingIterator& o) const { return p_ == o.p_; }

 private:
  const char* p_;
  const char** read_;  ///< One past the furthest byte read.
};

// The opening quote of the JSON string whose closing quote is at end - 1: the
// first quote before it not escaped by an odd run of backslashes.
size_t string_start(std::string_view text, size_t end) {
  for (size_t i = end - 1; i-- > 0;) {
    if (text[i] != '"') continue;
    size_t slashes = 0;
    while (slashes < i && text[i - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 0) return i;
  }
  return 0;
}

// The first byte of the number the lexer has just read, given how far it
// read: at most one character past the number, which is not part of it.
size_t number_start(std::string_view text, size_t read) {
  auto in_number = [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
  };
  size_t i = read;
  while (i > 0 && !in_number(text[i - 1])) --i;
  while (i > 0 && in_number(text[i - 1])) --i;
  return i;
}

// Parses JSON strictly, every error "source:line:col: ...": nlohmann keeps
// the last of a key given twice, so that is checked here, and reports a
// number beyond a double without a position, so that is located here.
Json parse_json(std::string_view text, const std::string& source) {
  const char* read = text.data();
  std::vector<std::set<std::string>> keys;  // of each object being read
  auto check_keys = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      keys.pop_back();
    } else if (event == Json::parse_event_t::key &&
               !keys.back().insert(parsed.get<std::string>()).second) {
      size_t at = string_start(text, read - text.data());
      throw GridError(location(text, at, source) + ": key '" +
                      parsed.get<std::string>() + "' is given twice");
    }
    return true;
  };
  try {
    return Json::parse(TrackingIterator(text.data(), &read),
                       TrackingIterator(text.data() + text.size(), &read),
                       check_keys);
  } catch (const Json::parse_error& e) {
    std::string msg = e.what();
    // Keep nlohmann's description, drop its own position prefix.
    size_t colon = msg.find(": ", msg.find("column"));
    std::string detail =
        colon == std::string::npos ? msg : msg.substr(colon + 2);
    size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    throw GridError(location(text, byte, source) + ": invalid JSON: " + detail);
  } catch (const Json::out_of_range&) {
    // nlohmann's only out_of_range while parsing: a number beyond a double.
    size_t at = number_start(text, read - text.data());
    std::string number(text.substr(at, read - text.data() - at));
    while (!number.empty() && (number.back() < '0' || number.back() > '9'))
      number.pop_back();
    throw GridError(location(text, at, source) + ": the number " + number +
                    " is beyond the range of a double");
  }
}

std::string type_name(const Json& j) { return j.type_name(); }

// An integer a range or a count cannot take: a Value holds 64-bit signed
// integers, and reading it as a float would change the range's meaning.
GridError beyond_int64(const std::string& where, const std::string& number) {
  return GridError(where + ": " + number +
                   " is beyond the 64-bit integers (-9223372036854775808 to "
                   "9223372036854775807)");
}

// nlohmann reads integers from 2^63 to 2^64-1 as unsigned; the rest of sweep
// reads int64 and would wrap them to negative numbers.
void check_int64(const Json& j, const std::string& where) {
  if (j.is_number_unsigned() &&
      j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    throw beyond_int64(where, j.dump());
}

std::shared_ptr<const ValueSeq> range_from_json(const Json& obj,
                                                const std::string& where) {
  for (const auto& [key, _] : obj.items())
    if (key != "from" && key != "to" && key != "step")
      throw GridError(
          where + ": unknown key '" + key +
          "' (expected from/to/step, linspace, logspace, file or zip)");
  for (const char* key : {"from", "to"})
    if (!obj.contains(key))
      throw GridError(where + ": range needs '" + key + "'");
  for (const auto& [key, v] : obj.items())
    if (!v.is_number())
      throw GridError(where + ": range '" + key + "' must be a number, not " +
                      type_name(v) + " " + v.dump());
  for (const auto& [key, v] : obj.items())
    check_int64(v, where + ": range '" + key + "'");
  const Json& from = obj["from"];
  const Json& to = obj["to"];
  Json step = obj.contains("step") ? obj["step"] : Json(1);
  if (from.is_number_integer() && to.is_number_integer() &&
      step.is_number_integer())
    return std::make_shared<IntRange>(from.get<std::int64_t>(),
                                      to.get<std::int64_t>(),
                                      step.get<std::int64_t>(), where);
  return std::make_shared<FloatRange>(FloatRange::inclusive(
      from.get<double>(), to.get<double>(), step.get<double>(), where));
}

std::shared_ptr<const ValueSeq> space_from_json(const Json& args, bool log10,
                                                const std::string& where) {
  const char* name = log10 ? "logspace" : "linspace";
  if (!args.is_array() || args.size() != 3)
    throw GridError(where + ": " + name + " takes [A, B, N], not " +
                    args.dump());
  if (!args[0].is_number() || !args[1].is_number())
    throw GridError(where + ": " + name + " bounds must be numbers, not " +
                    args.dump());
  if (!args[2].is_number_integer())
    throw GridError(where + ": " + name + " N must be an integer, not " +
                    args[2].dump());
  check_int64(args[2], where + ": " + name + " N");
  return std::make_shared<FloatRange>(
      FloatRange::linspace(args[0].get<double>(), args[1].get<double>(),
                           args[2].get<std::int64_t>(), log10, where));
}

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// Any axis form but a zip: list, scalar, range, linspace, logspace, file.
std::shared_ptr<const ValueSeq> seq_from_json(const Json& j,
                                              const std::string& where,
                                              const std::string& base_dir) {
  if (j.is_array()) {
    if (j.empty()) throw GridError(where + ": empty list of values");
    std::vector<Value> values;
    values.reserve(j.size());
    for (const auto& item : j) {
      auto v = value_from_json(item);
      if (!v)
        throw GridError(
            where + ": list items must be numbers, strings or booleans, not " +
            type_name(item));
      values.push_back(std::move(*v));
    }
    return std::make_shared<ValueList>(std::move(values));
  }
  if (j.is_object()) {
    for (const char* key : {"linspace", "logspace", "file", "zip"}) {
      if (!j.contains(key)) continue;
      if (j.size() != 1)
        throw GridError(where + ": '" + key +
                        "' cannot be combined with other keys");
      if (std::strcmp(key, "file") == 0) {
        if (!j[key].is_string())
          throw GridError(where + ": 'file' must be a path string, not " +
                          j[key].dump());
        return load_values_file(
            resolve_path(j[key].get<std::string>(), base_dir), where);
      }
      if (std::strcmp(key, "zip") == 0)
        throw GridError(where + ": a zip cannot be nested");
      return space_from_json(j[key], key[1] == 'o', where);
    }
    return range_from_json(j, where);
  }
  if (auto v = value_from_json(j))
    return std::make_shared<ValueList>(std::vector<Value>{std::move(*v)},
                                       "fixed");
  throw GridError(where + ": a value cannot be " + type_name(j));
}

std::vector<std::pair<std::string, Value>> match_from_json(
    const Json& j, const std::string& where) {
  if (!j.is_object() || j.empty())
    throw GridError(
        where +
        ": an exclusion is a non-empty JSON object of parameter values, "
        "not " +
        j.dump());
  std::vector<std::pair<std::string, Value>> match;
  for (const auto& [name, value] : j.items()) {
    auto v = value_from_json(value);
    if (!v)
      throw GridError(where + ": exclusion value of '" + name +
                      "' must be a number, string or boolean");
    match.emplace_back(name, std::move(*v));
  }
  return match;
}

// A zip axis: {"name": {"zip": {"a": [...], "b": [...]}}}.
void zip_from_json(Grid& grid, std::size_t member, const std::string& name,
                   const Json& value, const std::string& source,
                   const std::string& base_dir) {
  std::string where = source + ": parameter '" + name + "'";
  if (value.size() != 1)
    throw GridError(where + ": 'zip' cannot be combined with other keys");
  const Json& cols = value["zip"];
  if (!cols.is_object() || cols.empty())
    throw GridError(where + ": zip takes an object of parameters");
  std::vector<std::pair<std::string, std::shared_ptr<const ValueSeq>>> columns;
  for (const auto& [col, spec] : cols.items()) {
    if (!is_valid_param_name(col))
      throw GridError(where + ": invalid parameter name '" + col + "' in zip");
    columns.emplace_back(
        col, seq_from_json(spec, where + " zip '" + col + "'", base_dir));
  }
  try {
    grid.add_zip(member, name, std::move(columns));
  } catch (const GridError& e) {
    throw GridError(source + ": " + e.what());
  }
}

// A member's "exclude": [{...}, ...].
void exclusions_from_json(Grid& grid, std::size_t member,
                          const Json& exclusions, const std::string& source) {
  for (size_t k = 0; k < exclusions.size(); ++k) {
    std::string where = source + ": exclude[" + std::to_string(k) + "]";
    auto match = match_from_json(exclusions[k], where);
    try {
      grid.exclude(member, match);
    } catch (const GridError& e) {
      throw GridError(where + ": " + e.what());
    }
  }
}

void member_from_json(Grid& grid, std::size_t member, const Json& doc,
                      const std::string& source, const std::string& base_dir) {
  if (!doc.is_object())
    throw GridError(
        source +
        ": the grid must be a JSON object of parameters (or an array "
        "of them), not " +
        type_name(doc));
  const Json* exclusions = nullptr;
  for (const auto& [name, value] : doc.items()) {
    std::string where = source + ": parameter '" + name + "'";
    if (name == "exclude") {
      if (!value.is_array())
        throw GridError(
            source + ": 'exclude' is reserved for a list of exclusions, not " +
            type_name(value));
      exclusions = &value;
      continue;
    }
    if (!is_valid_param_name(name))
      throw GridError(
          where +
          ": invalid name: use a letter or _, then letters, digits, _, - "
          "or .");
    if (value.is_object() && value.contains("zip")) {
      zip_from_json(grid, member, name, value, source, base_dir);
      continue;
    }
    if (grid.find_param(name) >= 0 &&
        grid.members()[member].axis_of(grid.find_param(name)) >= 0)
      throw GridError(where + ": given twice");
    grid.set_axis(member, name, seq_from_json(value, where, base_dir));
  }
  if (exclusions) exclusions_from_json(grid, member, *exclusions, source);
}

}  // namespace

Grid parse_grid_json(std::string_view text, const std::string& source,
                     const std::string& base_dir) {
  Json doc = parse_json(text, source);
  Grid grid;
  if (doc.is_array()) {
    if (doc.empty()) throw GridError(source + ": an empty union has no points");
    for (size_t m = 0; m < doc.size(); ++m) {
      std::size_t member = m == 0 ? 0 : grid.add_member();
      member_from_json(grid, member, doc[m],
                       source + "[" + std::to_string(m) + "]", base_dir);
    }
    return grid;
  }
  member_from_json(grid, 0, doc, source, base_dir);
  return grid;
}

namespace {

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw GridError(path + ": cannot read " + what + ": " +
                    std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw GridError(path + ": cannot read " + what);
  return ss.str();
}

}  // namespace

Grid load_grid_file(const std::string& path) {
  if (path == "-") {
    std::string text(std::istreambuf_iterator<char>(std::cin), {});
    return parse_grid_json(text, "<stdin>", ".");
  }
  if (std::filesystem::is_directory(path))
    throw GridError(path + ": cannot read grid file: it is a directory");
  std::string text = read_file(path, "grid file");
  return parse_grid_json(text, path,
                         std::filesystem::path(path).parent_path().string());
}

std::shared_ptr<const ValueSeq> load_values_file(const std::string& path,
                                                 const std::string& where) {
  if (std::filesystem::is_directory(path))
    throw GridError(where + ": " + path +
                    ": cannot read values file: it is a directory");
  std::string text;
  try {
    text = read_file(path, "values file");
  } catch (const GridError& e) {
    throw GridError(where + ": " + e.what());
  }
  std::vector<Value> values;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos)
      values.push_back(parse_scalar(line));
    start = nl + 1;
  }
  if (values.empty())
    throw GridError(where + ": " + path + ": the values file has no values");
  return std::make_shared<ValueList>(std::move(values), "file " + path);
}

namespace {

// Splits a list spec on unescaped commas; `\,` `\\` and `\.` are escapes.
// Sets `escaped` if any escape was used.
std::vector<std::string> split_list(std::string_view spec, bool& escaped) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '\\' && i + 1 < spec.size() &&
        (spec[i + 1] == ',' || spec[i + 1] == '\\' || spec[i + 1] == '.' ||
         spec[i + 1] == '@')) {
      items.back() += spec[++i];
      escaped = true;
    } else if (c == ',') {
      items.emplace_back();
    } else {
      items.back() += c;
    }
  }
  return items;
}

// A bound, step or count written in a -p SPEC. Digits alone must make a
// 64-bit integer: parse_scalar reads longer ones as a float, which would turn
// 0..18446744073709551615 into a float range.
Value spec_number(std::string_view text, const std::string& flag) {
  Value v = parse_scalar(text);
  std::string_view digits = text.substr(!text.empty() && text[0] == '-');
  if (std::holds_alternative<double>(v) &&
      digits.find_first_not_of("0123456789") == std::string_view::npos)
    throw beyond_int64(flag, std::string(text));
  return v;
}

std::shared_ptr<const ValueSeq> space_from_spec(std::string_view args,
                                                bool log10,
                                                const std::string& flag) {
  const char* name = log10 ? "logspace" : "linspace";
  bool escaped = false;
  auto items = split_list(args, escaped);
  if (items.size() != 3)
    throw GridError(flag + ": " + name + " takes A,B,N (e.g. " + name +
                    ":0,1,5)");
  Value a = parse_scalar(items[0]), b = parse_scalar(items[1]),
        n = spec_number(items[2], flag);
  if (!as_number(a) || !as_number(b))
    throw GridError(flag + ": " + name + " bounds must be numbers");
  if (!std::holds_alternative<std::int64_t>(n))
    throw GridError(flag + ": " + name + " N must be an integer, not '" +
                    items[2] + "'");
  return std::make_shared<FloatRange>(FloatRange::linspace(
      *as_number(a), *as_number(b), std::get<std::int64_t>(n), log10, flag));
}

// A..B or A..B:S, `dots` the position of "..".
std::shared_ptr<const ValueSeq> range_from_spec(std::string_view spec,
                                                size_t dots,
                                                const std::string& flag) {
  std::string_view from = spec.substr(0, dots);
  std::string_view rest = spec.substr(dots + 2);
  std::string_view to = rest, step = "1";
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    to = rest.substr(0, colon);
    step = rest.substr(colon + 1);
  }
  Value a = spec_number(from, flag), b = spec_number(to, flag),
        s = spec_number(step, flag);
  if (!as_number(a) || !as_number(b) || !as_number(s))
    throw GridError(
        flag + ": '" + std::string(spec) +
        "' is not a numeric range (A..B or A..B:S with numbers; write \\.\\. "
        "for literal dots)");
  if (std::holds_alternative<std::int64_t>(a) &&
      std::holds_alternative<std::int64_t>(b) &&
      std::holds_alternative<std::int64_t>(s))
    return std::make_shared<IntRange>(std::get<std::int64_t>(a),
                                      std::get<std::int64_t>(b),
                                      std::get<std::int64_t>(s), flag);
  return std::make_shared<FloatRange>(
      FloatRange::inclusive(*as_number(a), *as_number(b), *as_number(s), flag));
}

}  // namespace

std::shared_ptr<const ValueSeq> parse_param_spec(std::string_view spec,
                                                 const std::string& flag) {
  if (spec.empty()) throw GridError(flag + ": empty list of values");
  if (spec[0] == '@')
    return load_values_file(std::string(spec.substr(1)), flag);
  for (bool log10 : {false, true}) {
    std::string_view prefix = log10 ? "logspace:" : "linspace:";
    if (spec.substr(0, prefix.size()) == prefix)
      return space_from_spec(spec.substr(prefix.size()), log10, flag);
  }
  bool escaped = false;
  std::vector<std::string> items = split_list(spec, escaped);
  size_t dots = spec.find("..");
  if (!escaped && items.size() == 1 && dots != std::string_view::npos)
    return range_from_spec(spec, dots, flag);
  std::vector<Value> values;
  values.reserve(items.size());
  for (const auto& item : items) {
    if (item.empty())
      throw GridError(
          flag + ": empty item in list (use a grid file for an empty string)");
    values.push_back(parse_scalar(item));
  }
  return std::make_shared<ValueList>(std::move(values),
                                     values.size() == 1 ? "fixed" : "list");
}

void apply_param_flags(Grid& grid, const std::vector<std::string>& flags) {
  std::set<std::string> seen;
  for (const auto& flag : flags) {
    std::string where = "-p " + flag;
    size_t eq = flag.find('=');
    if (eq == std::string::npos)
      throw GridError(where + ": expected NAME=SPEC");
    std::string name = flag.substr(0, eq);
    if (!is_valid_param_name(name))
      throw GridError(where + ": invalid parameter name '" + name +
                      "': use a letter or _, then letters, digits, _, - or .");
    if (!seen.insert(name).second)
      throw GridError(where + ": parameter '" + name + "' is given twice");
    auto seq = parse_param_spec(std::string_view(flag).substr(eq + 1), where);
    try {
      grid.set_axis(name, std::move(seq));
    } catch (const GridError& e) {
      throw GridError(where + ": " + e.what());
    }
  }
}

void apply_link_flags(Grid& grid, const std::vector<std::string>& flags) {
  for (const auto& flag : flags) {
    std::vector<std::string> names;
    std::stringstream ss(flag);
    std::string name;
    while (std::getline(ss, name, ',')) names.push_back(name);
    grid.link(names);
  }
}

void apply_exclude_flags(Grid& grid, const std::vector<std::string>& flags) {
  for (const auto& flag : flags) {
    std::string where = "--exclude " + flag;
    Json j = parse_json(flag, "--exclude");
    auto match = match_from_json(j, where);
    try {
      grid.exclude(match);
    } catch (const GridError& e) {
      throw GridError(where + ": " + e.what());
    }
  }
}

}  // namespace sweep
