#pragma once

// The records sweep writes, read without a JSON parser: the writer's own
// layout (one compact object, plain keys, scalar fields, a params object
// of scalars, and for a line that printed a flat JSON object a data object
// of scalars) is split into its members in one pass. Anything else (blanks
// between tokens, arrays, other or nested objects, numbers beyond int64's
// digits, invalid UTF-8, a malformed line) is left to the JSON parser, which
// decides: this is the reader's fast path, never a second notion of what a
// record is.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// A scalar as simdjson's DOM types it: integers up to 18 digits are kInt.
struct CompactValue {
  enum class Type : std::uint8_t { kInt, kDouble, kBool, kString, kObject };
  Type type = Type::kInt;
  std::int64_t i = 0;     ///< kInt; kBool: 0 or 1.
  double d = 0;           ///< kDouble.
  std::string_view text;  ///< kString, unescaped; kObject: its raw JSON.
};

/// One member of an object, in the order written.
struct CompactMember {
  std::string_view key;
  CompactValue value;
};

/// Splits one line in the writer's layout into members; reused from line to
/// line, so it allocates only while it grows.
class CompactScanner {
 public:
  /// A line's members (params and data as kObject), the members of its
  /// params, and those of its data.
  enum Part { kMembers, kParams, kData, kParts };
  /// Where a line's parts lie among every kept line's (keep()).
  struct Spans {
    std::uint32_t from[kParts] = {}, to[kParts] = {};
  };

  /// True if line is one compact object of scalars whose only object members
  /// are `params` and `data` (of scalars); views point into line and this
  /// scanner.
  bool scan(std::string_view line);
  /// From now until the next keep(), every line's members are kept (a
  /// line refused keeps none), and views stay valid for lines of `bytes` in
  /// all.
  void keep(size_t bytes);
  /// Where the last line's parts are (with keep(), among every kept
  /// line's), and a part of a line scanned since keep().
  Spans spans() const;
  std::span<const CompactMember> part(const Spans& at, Part p) const {
    return std::span(lists_[p].all).subspan(at.from[p], at.to[p] - at.from[p]);
  }

 private:
  struct List {
    std::vector<CompactMember> all;
    size_t from = 0;  ///< Where the line being scanned begins.
  };
  // scan() but undoing a refused line's members.
  bool scan_object(std::string_view line);
  // Each step reads from p (end: the line's end) and returns where it
  // stopped, or nullptr to leave the line to the parser. The cursor is a
  // local, not a member: views written through references would otherwise
  // make the compiler reload it after every store.
  const char* member(const char* p, const char* end,
                     std::vector<CompactMember>& out, bool top, bool& closed);
  const char* object(const char* p, const char* end,
                     std::vector<CompactMember>& out);
  const char* value(const char* p, const char* end, CompactValue& v,
                    Part object);
  const char* string(const char* p, const char* end, std::string_view& out);
  const char* escaped(const char* p, const char* end, const char* from,
                      std::string_view& out);

  List lists_[kParts];
  bool seen_[kParts] = {};     ///< A second params or data is the parser's.
  std::string unescaped_;      ///< Reserved to the line's size: views stay put.
  bool keep_ = false;          ///< Lines' members accumulate (keep()).
  size_t unescaped_from_ = 0;  ///< Where the line's unescaped text begins.
};

}  // namespace sweep
