#pragma once

// The records sweep writes, read without a JSON parser: the writer's own
// layout (one compact object, plain keys, scalar fields, a params object
// of scalars)
// is split into its members in one pass. Anything else (blanks between
// tokens, arrays, other objects, numbers beyond int64's digits, invalid
// UTF-8, a malformed line) is left to the JSON parser, which decides: this
// is the reader's fast path, never a second notion of what a record is.

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
  /// True if line is one compact object of scalars whose only object member
  /// is `params` (of scalars); views point into line and this scanner.
  bool scan(std::string_view line);
  /// From now until the next keep(), every line's members are kept (a
  /// line refused keeps none): members() and params() are the last line's,
  /// all_members() and all_params() every line's, and views stay valid for
  /// lines of `bytes` in all.
  void keep(size_t bytes);
  /// The top-level members (params as kObject).
  std::span<const CompactMember> members() const {
    return std::span(members_).subspan(members_from_);
  }
  /// The members of params, if it was there.
  std::span<const CompactMember> params() const {
    return std::span(params_).subspan(params_from_);
  }
  /// With keep(): every kept line's members, and where each line's begin.
  std::span<const CompactMember> all_members() const { return members_; }
  std::span<const CompactMember> all_params() const { return params_; }
  size_t members_from() const { return members_from_; }
  size_t params_from() const { return params_from_; }

 private:
  // The members up to params (all of them if there is none), then the
  // rest; true if the line is then one object.
  bool scan_head(std::string_view line);
  bool scan_rest();
  // Each step reads from p (end: the line's end) and returns where it
  // stopped, or nullptr to leave the line to the parser. The cursor is a
  // local, not a member: views written through references would otherwise
  // make the compiler reload it after every store.
  const char* member(const char* p, const char* end,
                     std::vector<CompactMember>& out, bool top, bool& closed);
  const char* object(const char* p, const char* end,
                     std::vector<CompactMember>& out);
  const char* value(const char* p, const char* end, CompactValue& v, bool top);
  const char* string(const char* p, const char* end, std::string_view& out);
  const char* escaped(const char* p, const char* end, const char* from,
                      std::string_view& out);

  std::string_view in_;
  const char* at_ = nullptr;  ///< Where scan_head stopped.
  std::vector<CompactMember> members_, params_;
  bool params_seen_ = false;  ///< A second params is the parser's.
  bool closed_ = false;       ///< The top-level object has ended.
  std::string unescaped_;     ///< Reserved to the line's size: views stay put.
  bool keep_ = false;         ///< Lines' members accumulate (keep()).
  /// Where the line's members, params and unescaped text begin.
  size_t members_from_ = 0, params_from_ = 0, unescaped_from_ = 0;
};

}  // namespace sweep
