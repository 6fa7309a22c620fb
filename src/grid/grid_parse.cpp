#include "sweep/grid_parse.hpp"

#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

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

std::optional<Value> scalar_value(const Json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned())
    return j.get<std::int64_t>();
  if (j.is_number_unsigned()) {
    auto u = j.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(u);
    return static_cast<double>(u);
  }
  if (j.is_number_float()) return j.get<double>();
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_string()) return j.get<std::string>();
  return std::nullopt;
}

std::string type_name(const Json& j) { return j.type_name(); }

std::shared_ptr<const ValueSeq> range_from_json(const Json& obj,
                                                const std::string& where) {
  for (const auto& [key, _] : obj.items())
    if (key != "from" && key != "to" && key != "step")
      throw GridError(where + ": unknown key '" + key +
                      "' in range (expected from, to, step)");
  for (const char* key : {"from", "to"})
    if (!obj.contains(key))
      throw GridError(where + ": range needs '" + key + "'");
  for (const auto& [key, v] : obj.items())
    if (!v.is_number())
      throw GridError(where + ": range '" + key + "' must be a number, not " +
                      type_name(v) + " " + v.dump());
  const Json& from = obj["from"];
  const Json& to = obj["to"];
  Json step = obj.contains("step") ? obj["step"] : Json(1);
  if (from.is_number_integer() && to.is_number_integer() &&
      step.is_number_integer())
    return std::make_shared<IntRange>(from.get<std::int64_t>(),
                                      to.get<std::int64_t>(),
                                      step.get<std::int64_t>(), where);
  return std::make_shared<FloatRange>(from.get<double>(), to.get<double>(),
                                      step.get<double>(), where);
}

std::shared_ptr<const ValueSeq> axis_from_json(const Json& j,
                                               const std::string& where) {
  if (j.is_array()) {
    if (j.empty()) throw GridError(where + ": empty list of values");
    std::vector<Value> values;
    values.reserve(j.size());
    for (const auto& item : j) {
      auto v = scalar_value(item);
      if (!v)
        throw GridError(where +
                        ": list items must be numbers, strings or "
                        "booleans, not " +
                        type_name(item));
      values.push_back(std::move(*v));
    }
    return std::make_shared<ValueList>(std::move(values));
  }
  if (j.is_object()) return range_from_json(j, where);
  if (auto v = scalar_value(j))
    return std::make_shared<ValueList>(std::vector<Value>{std::move(*v)});
  throw GridError(where + ": a value cannot be " + type_name(j));
}

}  // namespace

Grid parse_grid_json(std::string_view text, const std::string& source) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string msg = e.what();
    // Keep nlohmann's description, drop its own position prefix.
    size_t colon = msg.find(": ", msg.find("column"));
    std::string detail =
        colon == std::string::npos ? msg : msg.substr(colon + 2);
    size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    throw GridError(location(text, byte, source) + ": invalid JSON: " + detail);
  }
  if (!doc.is_object())
    throw GridError(source +
                    ": the grid must be a JSON object of parameters, "
                    "not " +
                    type_name(doc));
  Grid grid;
  for (const auto& [name, value] : doc.items()) {
    std::string where = source + ": parameter '" + name + "'";
    if (!is_valid_param_name(name))
      throw GridError(where +
                      ": invalid name: use a letter or _, then "
                      "letters, digits, _, - or .");
    grid.set_axis(name, axis_from_json(value, where));
  }
  return grid;
}

Grid load_grid_file(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    return parse_grid_json(text, "<stdin>");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw GridError(path + ": cannot read grid file: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw GridError(path + ": cannot read grid file");
  return parse_grid_json(ss.str(), path);
}

namespace {

// Splits a list spec on unescaped commas; `\,` `\\` and `\.` are escapes.
// Sets `escaped` if any escape was used.
std::vector<std::string> split_list(std::string_view spec, bool& escaped) {
  std::vector<std::string> items(1);
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '\\' && i + 1 < spec.size() &&
        (spec[i + 1] == ',' || spec[i + 1] == '\\' || spec[i + 1] == '.')) {
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

bool is_number(const Value& v) {
  return std::holds_alternative<std::int64_t>(v) ||
         std::holds_alternative<double>(v);
}

double as_double(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v))
    return static_cast<double>(*i);
  return std::get<double>(v);
}

}  // namespace

std::shared_ptr<const ValueSeq> parse_param_spec(std::string_view spec,
                                                 const std::string& flag) {
  if (spec.empty()) throw GridError(flag + ": empty list of values");
  bool escaped = false;
  std::vector<std::string> items = split_list(spec, escaped);
  size_t dots = spec.find("..");
  if (!escaped && items.size() == 1 && dots != std::string_view::npos) {
    std::string_view from = spec.substr(0, dots);
    std::string_view rest = spec.substr(dots + 2);
    std::string_view to = rest, step = "1";
    if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
      to = rest.substr(0, colon);
      step = rest.substr(colon + 1);
    }
    Value a = parse_scalar(from), b = parse_scalar(to), s = parse_scalar(step);
    if (!is_number(a) || !is_number(b) || !is_number(s))
      throw GridError(flag + ": '" + std::string(spec) +
                      "' is not a numeric range (A..B or A..B:S with numbers; "
                      "write \\.\\. for literal dots)");
    if (std::holds_alternative<std::int64_t>(a) &&
        std::holds_alternative<std::int64_t>(b) &&
        std::holds_alternative<std::int64_t>(s))
      return std::make_shared<IntRange>(std::get<std::int64_t>(a),
                                        std::get<std::int64_t>(b),
                                        std::get<std::int64_t>(s), flag);
    return std::make_shared<FloatRange>(as_double(a), as_double(b),
                                        as_double(s), flag);
  }
  std::vector<Value> values;
  values.reserve(items.size());
  for (const auto& item : items) {
    if (item.empty())
      throw GridError(flag +
                      ": empty item in list (use a grid file for an "
                      "empty string)");
    values.push_back(parse_scalar(item));
  }
  return std::make_shared<ValueList>(std::move(values));
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
    grid.set_axis(
        name, parse_param_spec(std::string_view(flag).substr(eq + 1), where));
  }
}

}  // namespace sweep
