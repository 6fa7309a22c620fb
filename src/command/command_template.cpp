#include "sweep/command_template.hpp"

#include "sweep/error.hpp"

namespace sweep {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

// Length of a placeholder-shaped token `<name>` at s[i] ('<' included), or 0.
size_t placeholder_length(const std::string& s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() &&
      (s[j] == '@' || s[j] == '_' || (s[j] >= 'a' && s[j] <= 'z') ||
       (s[j] >= 'A' && s[j] <= 'Z')))
    ++j;
  else
    return 0;
  while (j < s.size() && is_name_char(s[j])) ++j;
  return j < s.size() && s[j] == '>' ? j - i + 1 : 0;
}

}  // namespace

CommandTemplate::CommandTemplate(const std::vector<std::string>& args,
                                 const std::vector<std::string>& names) {
  for (size_t a = 0; a < args.size(); ++a) {
    const std::string& arg = args[a];
    std::vector<Piece> pieces(1);
    for (size_t i = 0; i < arg.size();) {
      if (arg[i] == '\\' && i + 1 < arg.size() && arg[i + 1] == '<' &&
          placeholder_length(arg, i + 1)) {
        pieces.back().literal += '<';  // `\<name>` stands for itself
        i += 2;
        continue;
      }
      size_t len = arg[i] == '<' ? placeholder_length(arg, i) : 0;
      if (!len) {
        pieces.back().literal += arg[i++];
        continue;
      }
      std::string name = arg.substr(i + 1, len - 2);
      int index = -1;
      for (size_t k = 0; k < names.size(); ++k)
        if (names[k] == name) index = static_cast<int>(k);
      if (index < 0)
        throw Error("command argument '" + arg + "': unknown placeholder <" +
                    name + "> (parameters: " + join(names) + "; write \\<" +
                    name + "> for the literal text)");
      pieces.push_back(Piece{"", index});
      pieces.emplace_back();
      i += len;
    }
    std::erase_if(pieces, [](const Piece& p) {
      return p.param < 0 && p.literal.empty();
    });
    args_.push_back(std::move(pieces));
  }
}

std::vector<std::string> CommandTemplate::render(const Point& point) const {
  std::vector<std::string> argv;
  argv.reserve(args_.size());
  for (const auto& pieces : args_) {
    std::string& out = argv.emplace_back();
    for (const auto& piece : pieces)
      out +=
          piece.param < 0 ? piece.literal : to_text(point.values[piece.param]);
  }
  return argv;
}

bool CommandTemplate::program_has_placeholder() const {
  if (args_.empty()) return false;
  for (const auto& piece : args_[0])
    if (piece.param >= 0) return true;
  return false;
}

}  // namespace sweep
