#include "command/command_template.hpp"

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

// A placeholder-shaped token at s[i]: `<name>` or `<name:default>`, where a
// name starts with a letter, `_` or `@`. Returns its length ('<' to '>'), or 0.
size_t placeholder_length(const std::string& s, size_t i, size_t& name_end) {
  size_t j = i + 1;
  if (j < s.size() &&
      (s[j] == '@' || s[j] == '_' || (s[j] >= 'a' && s[j] <= 'z') ||
       (s[j] >= 'A' && s[j] <= 'Z')))
    ++j;
  else
    return 0;
  while (j < s.size() && is_name_char(s[j])) ++j;
  name_end = j;
  if (j < s.size() && s[j] == ':') {
    while (j < s.size() && s[j] != '>' && s[j] != '<') ++j;
  }
  return j < s.size() && s[j] == '>' ? j - i + 1 : 0;
}

}  // namespace

CommandTemplate::CommandTemplate(const std::vector<std::string>& args,
                                 const Grid& grid) {
  for (const auto& arg : args) {
    std::vector<Piece> pieces(1);
    for (size_t i = 0; i < arg.size();) {
      size_t name_end = 0;
      if (arg[i] == '\\' && i + 1 < arg.size() && arg[i + 1] == '<' &&
          placeholder_length(arg, i + 1, name_end)) {
        pieces.back().text += '<';  // `\<name>` stands for itself
        i += 2;
        continue;
      }
      size_t len = arg[i] == '<' ? placeholder_length(arg, i, name_end) : 0;
      if (!len) {
        pieces.back().text += arg[i++];
        continue;
      }
      std::string name = arg.substr(i + 1, name_end - i - 1);
      Piece piece;
      if (name[0] == '@') {
        if (name == "@job")
          piece.kind = Kind::kJob;
        else if (name == "@rep")
          piece.kind = Kind::kRep;
        else if (name == "@slot")
          piece.kind = Kind::kSlot;
        else if (name == "@dir")
          piece.kind = Kind::kDir;
        else if (name == "@gpus")
          piece.kind = Kind::kGpus;
        else
          throw Error("command argument '" + arg +
                      "': unknown built-in placeholder <" + name +
                      "> (built-ins: <@job>, <@rep>, <@slot>, <@dir>, "
                      "<@gpus>)");
      } else {
        piece.kind = Kind::kParam;
        piece.param = grid.find_param(name);
        if (piece.param < 0)
          throw Error("command argument '" + arg + "': unknown placeholder <" +
                      name + "> (parameters: " + join(grid.names()) +
                      "; write \\<" + name + "> for the literal text)");
        piece.has_default = name_end < i + len - 1;
        if (piece.has_default)
          piece.text = arg.substr(name_end + 1, i + len - 1 - name_end - 1);
        if (!piece.has_default && !grid.in_every_member(piece.param))
          throw Error("command argument '" + arg + "': parameter '" + name +
                      "' is missing from some grid members; give a default: <" +
                      name + ":DEFAULT>");
      }
      pieces.push_back(std::move(piece));
      pieces.emplace_back();
      i += len;
    }
    std::erase_if(pieces, [](const Piece& p) {
      return p.kind == Kind::kLiteral && p.text.empty();
    });
    args_.push_back(std::move(pieces));
  }
}

std::vector<std::string> CommandTemplate::render(const Point& point,
                                                 const JobContext& ctx) const {
  std::vector<std::string> argv;
  argv.reserve(args_.size());
  for (const auto& pieces : args_) {
    std::string& out = argv.emplace_back();
    for (const auto& piece : pieces) {
      switch (piece.kind) {
        case Kind::kLiteral:
          out += piece.text;
          break;
        case Kind::kJob:
          out += std::to_string(ctx.job);
          break;
        case Kind::kRep:
          out += std::to_string(ctx.rep);
          break;
        case Kind::kSlot:
          out += std::to_string(ctx.slot);
          break;
        case Kind::kDir:
          out += ctx.dir;
          break;
        case Kind::kGpus:
          out += ctx.gpus;
          break;
        case Kind::kParam:
          if (const Value* v = point.get(piece.param))
            out += to_text(*v);
          else
            out += piece.text;
          break;
      }
    }
  }
  return argv;
}

bool CommandTemplate::uses(Kind kind) const {
  for (const auto& pieces : args_)
    for (const auto& piece : pieces)
      if (piece.kind == kind) return true;
  return false;
}

bool CommandTemplate::uses_param(int param) const {
  for (const auto& pieces : args_)
    for (const auto& piece : pieces)
      if (piece.kind == Kind::kParam && piece.param == param) return true;
  return false;
}

bool CommandTemplate::program_has_placeholder() const {
  if (args_.empty()) return false;
  for (const auto& piece : args_[0])
    if (piece.kind != Kind::kLiteral) return true;
  return false;
}

}  // namespace sweep
