#include "sweep/value_seq.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "sweep/error.hpp"

namespace sweep {

namespace {

// Digits after the decimal point in the shortest form of d, or -1 when the
// shortest form needs an exponent.
int decimals_of(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view s(buf, r.ptr - buf);
  if (s.find_first_of("eE") != std::string_view::npos) return -1;
  size_t dot = s.find('.');
  return dot == std::string_view::npos ? 0
                                       : static_cast<int>(s.size() - dot - 1);
}

// The grid counts points in 64 bits (README: a grid whose size does not fit
// in 64 bits is an error); an axis that alone is too long says so early.
constexpr const char* kTooManyValues =
    "the range has 2^64 values or more, which does not fit in 64 bits";

// At most this many equal values of a float range are listed for an
// exclusion (each costs 8 bytes while the grid lives).
constexpr std::uint64_t kMaxEqual = 1 << 16;

}  // namespace

bool values_equal(const Value& a, const Value& b) {
  auto x = as_number(a), y = as_number(b);
  if (x && y) {
    if (std::holds_alternative<std::int64_t>(a) &&
        std::holds_alternative<std::int64_t>(b))
      return std::get<std::int64_t>(a) == std::get<std::int64_t>(b);
    return *x == *y;
  }
  return a == b;
}

std::vector<std::uint64_t> ValueSeq::indices_of(const Value& v) const {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 0; i < size(); ++i)
    if (values_equal(at(i), v)) out.push_back(i);
  return out;
}

std::string ValueList::describe() const {
  return origin_ + ", " + std::to_string(values_.size()) + " value" +
         (values_.size() == 1 ? "" : "s");
}

IntRange::IntRange(std::int64_t from, std::int64_t to, std::int64_t step,
                   const std::string& where)
    : from_(from), step_(step) {
  if (step == 0) throw GridError(where + ": range step must not be zero");
  __int128 span = static_cast<__int128>(to) - from;
  if ((span > 0 && step < 0) || (span < 0 && step > 0))
    throw GridError(where + ": range is reversed (from " +
                    std::to_string(from) + " to " + std::to_string(to) +
                    " with step " + std::to_string(step) + ")");
  // Only INT64_MIN..INT64_MAX by 1 (or -1) reaches 2^64, one past a uint64.
  __int128 count = span / step + 1;
  if (count > static_cast<__int128>(UINT64_MAX))
    throw GridError(where + ": " + kTooManyValues);
  size_ = static_cast<std::uint64_t>(count);
}

Value IntRange::at(std::uint64_t i) const {
  return static_cast<std::int64_t>(from_ + static_cast<__int128>(i) * step_);
}

std::vector<std::uint64_t> IntRange::indices_of(const Value& v) const {
  auto d = as_number(v);
  if (!d) return {};
  // Compare exactly in integers when possible.
  __int128 target;
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    target = *i;
  } else {
    if (*d != std::floor(*d) || std::fabs(*d) > 9.2e18) return {};
    target = static_cast<__int128>(*d);
  }
  __int128 off = target - from_;
  if (off % step_ != 0) return {};
  __int128 k = off / step_;
  if (k < 0 || k >= static_cast<__int128>(size_)) return {};
  return {static_cast<std::uint64_t>(k)};
}

std::string IntRange::describe() const {
  return "range " + std::to_string(from_) + ".." + to_text(at(size_ - 1)) +
         ":" + std::to_string(step_) + ", " + std::to_string(size_) + " values";
}

FloatRange::FloatRange(double from, double step, std::uint64_t size,
                       std::string kind)
    : from_(from), step_(step), size_(size), kind_(std::move(kind)) {
  int a = decimals_of(from), b = decimals_of(step);
  decimals_ = (a < 0 || b < 0) ? -1 : std::max(a, b);
  if (decimals_ > 15) decimals_ = -1;
}

FloatRange FloatRange::inclusive(double from, double to, double step,
                                 const std::string& where) {
  if (!std::isfinite(from) || !std::isfinite(to) || !std::isfinite(step))
    throw GridError(where + ": range bounds must be finite numbers");
  if (step == 0) throw GridError(where + ": range step must not be zero");
  std::string kind =
      "range " + to_text(from) + ".." + to_text(to) + ":" + to_text(step);
  // Beyond this, from + i * step could overflow on the way to `to`.
  if (!std::isfinite(to - from))
    throw GridError(where + ": " + kind +
                    ": the distance from start to end overflows a double");
  double k = (to - from) / step;  // +-inf for a tiny step
  // Tolerate rounding so that 0..1 by 0.1 has 11 values, not 10, but never
  // more than a sliver of a step: a long range must not run past `to`.
  double tolerance = std::min(1e-9 * std::max(1.0, std::fabs(k)), 1e-3);
  if (k < -tolerance)
    throw GridError(where + ": range is reversed (from " + to_text(from) +
                    " to " + to_text(to) + " with step " + to_text(step) + ")");
  double last = std::floor(std::max(0.0, k) + tolerance);  // n - 1
  if (!(last < 0x1p64)) throw GridError(where + ": " + kTooManyValues);
  // Past 2^53 a double no longer counts every index: i * step repeats and
  // the count itself rounds (2^53 + 1 is 2^53), so the last value could
  // land past `to`, or short of it.
  if (last >= 0x1p53)
    throw GridError(where + ": " + kind +
                    ": more than 2^53 values, past what a double counts "
                    "exactly (a float step too small for its span)");
  FloatRange r(from, step, static_cast<std::uint64_t>(last) + 1, kind);
  r.check_finite(where);
  return r;
}

FloatRange FloatRange::linspace(double a, double b, std::int64_t n, bool log10,
                                const std::string& where) {
  const char* name = log10 ? "logspace" : "linspace";
  if (!std::isfinite(a) || !std::isfinite(b))
    throw GridError(where + ": " + name + " bounds must be finite numbers");
  if (n < 1)
    throw GridError(where + ": " + name + " needs at least 1 value, not " +
                    std::to_string(n));
  std::string kind = std::string(name) + "(" + to_text(a) + ", " + to_text(b) +
                     ", " + std::to_string(n) + ")";
  // An infinite step would make every value inf or nan.
  if (!std::isfinite(b - a))
    throw GridError(where + ": " + kind +
                    ": the distance from A to B overflows a double");
  double step = n > 1 ? (b - a) / static_cast<double>(n - 1) : 0;
  FloatRange r(a, step, static_cast<std::uint64_t>(n), kind);
  r.log10_ = log10;
  r.has_last_ = n > 1;
  r.last_ = b;
  r.check_finite(where);
  return r;
}

void FloatRange::check_finite(const std::string& where) const {
  // Values are monotonic in i, so the ends bound all the others.
  for (std::uint64_t i : {std::uint64_t{0}, size_ - 1}) {
    double v = std::get<double>(at(i));
    std::string text = log10_ ? "10^" + to_text(linear(i)) : to_text(v);
    if (!std::isfinite(v))
      throw GridError(where + ": " + kind_ + " gives " + text +
                      ", beyond the range of a double");
    if (log10_ && v == 0)
      throw GridError(where + ": " + kind_ + " gives " + text +
                      ", too small for a double (it would be 0)");
  }
}

double FloatRange::linear(std::uint64_t i) const {
  if (has_last_ && i + 1 == size_) return last_;
  double v = from_ + static_cast<double>(i) * step_;
  if (decimals_ >= 0) {
    double scale = std::pow(10.0, decimals_);
    double scaled = std::round(v * scale);
    // An exact integer divided by an exact power of ten rounds correctly to
    // the double nearest the decimal the user meant.
    if (std::fabs(scaled) < 9007199254740992.0) v = scaled / scale;
  }
  return v;
}

Value FloatRange::at(std::uint64_t i) const {
  double v = linear(i);
  return log10_ ? std::pow(10.0, v) : v;
}

std::vector<std::uint64_t> FloatRange::indices_of(const Value& v) const {
  auto d = as_number(v);
  if (!d || (log10_ && *d <= 0)) return {};
  // Values are monotonic in i, so the indices holding v are one run. It is
  // longer than one index where the step is below a double's resolution
  // (1e16..1e16+8:0.5 holds 1e16 three times), or every index when the
  // step is 0; a run that long cannot be listed.
  auto too_many = [&] {
    return GridError(kind_ + ": more than " + std::to_string(kMaxEqual) +
                     " of its values equal " + to_text(v) +
                     " (a step too small for a double to tell them apart)");
  };
  if (step_ == 0) {
    if (!values_equal(at(0), v)) return {};
    if (size_ > kMaxEqual) throw too_many();
    std::vector<std::uint64_t> all(size_);
    for (std::uint64_t i = 0; i < size_; ++i) all[i] = i;
    return all;
  }
  // The run starts at the first index not before v. Values are monotonic in
  // i (every rounding step is), so a binary search finds it where an index
  // estimated from (v - from) / step can be off by several past 2^52.
  bool up = step_ > 0;
  double want = *d;
  auto before = [&](std::uint64_t i) {
    double x = std::get<double>(at(i));
    return up ? x < want : x > want;
  };
  std::uint64_t lo = 0, hi = size_;
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    if (before(mid))
      lo = mid + 1;
    else
      hi = mid;
  }
  std::uint64_t hit = lo < size_ && values_equal(at(lo), v) ? lo : size_;
  // A linspace's last value is B itself, which may sit an ulp below the
  // rounded value before it.
  if (hit == size_ && has_last_ && values_equal(at(size_ - 1), v))
    hit = size_ - 1;
  if (hit == size_) return {};
  std::uint64_t first = hit, last = hit;
  while (first > 0 && values_equal(at(first - 1), v))
    if (hit - --first >= kMaxEqual) throw too_many();
  while (last + 1 < size_ && values_equal(at(last + 1), v))
    if (++last - first >= kMaxEqual) throw too_many();
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

std::string FloatRange::describe() const {
  return kind_ + ", " + std::to_string(size_) + " value" +
         (size_ == 1 ? "" : "s");
}

}  // namespace sweep
