#include "sweep/grid.hpp"

#include <charconv>
#include <cmath>

#include "sweep/error.hpp"
#include "sweep/json_text.hpp"

namespace sweep {

IntRange::IntRange(std::int64_t from, std::int64_t to, std::int64_t step,
                   const std::string& where)
    : from_(from), step_(step) {
  if (step == 0) throw GridError(where + ": range step must not be zero");
  __int128 span = static_cast<__int128>(to) - from;
  if ((span > 0 && step < 0) || (span < 0 && step > 0))
    throw GridError(where + ": range is reversed (from " +
                    std::to_string(from) + " to " + std::to_string(to) +
                    " with step " + std::to_string(step) + ")");
  size_ = static_cast<std::uint64_t>(span / step) + 1;
}

Value IntRange::at(std::uint64_t i) const {
  return static_cast<std::int64_t>(from_ + static_cast<__int128>(i) * step_);
}

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

}  // namespace

FloatRange::FloatRange(double from, double to, double step,
                       const std::string& where)
    : from_(from), step_(step) {
  if (!std::isfinite(from) || !std::isfinite(to) || !std::isfinite(step))
    throw GridError(where + ": range bounds must be finite numbers");
  if (step == 0) throw GridError(where + ": range step must not be zero");
  double k = (to - from) / step;
  // Tolerate rounding so that 0..1:0.1 has 11 values, not 10.
  double tolerance = 1e-9 * std::max(1.0, std::fabs(k));
  if (k < -tolerance)
    throw GridError(where + ": range is reversed (from " + to_text(from) +
                    " to " + to_text(to) + " with step " + to_text(step) + ")");
  double n = std::floor(std::max(0.0, k) + tolerance) + 1;
  if (n > 9e18) throw GridError(where + ": range has too many values");
  size_ = static_cast<std::uint64_t>(n);
  int a = decimals_of(from), b = decimals_of(step);
  decimals_ = (a < 0 || b < 0) ? -1 : std::max(a, b);
  if (decimals_ > 15) decimals_ = -1;
}

Value FloatRange::at(std::uint64_t i) const {
  double v = from_ + static_cast<double>(i) * step_;
  if (decimals_ >= 0) {
    double scale = std::pow(10.0, decimals_);
    double scaled = std::round(v * scale);
    // Dividing an exact integer by an exact power of ten rounds correctly,
    // giving the double nearest the decimal the user meant.
    if (std::fabs(scaled) < 9007199254740992.0) v = scaled / scale;
  }
  return v;
}

bool is_valid_param_name(const std::string& name) {
  if (name.empty()) return false;
  auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(name[0])) return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.')
      return false;
  return true;
}

void Grid::set_axis(const std::string& name,
                    std::shared_ptr<const ValueSeq> seq) {
  if (!is_valid_param_name(name))
    throw GridError("invalid parameter name '" + name +
                    "': use a letter or _, then letters, digits, _, - or .");
  int i = index_of(name);
  if (i >= 0)
    axes_[i].values = std::move(seq);
  else
    axes_.push_back(Axis{name, std::move(seq)});
}

bool Grid::has(const std::string& name) const { return index_of(name) >= 0; }

int Grid::index_of(const std::string& name) const {
  for (size_t i = 0; i < axes_.size(); ++i)
    if (axes_[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Grid::names() const {
  std::vector<std::string> out;
  for (const auto& a : axes_) out.push_back(a.name);
  return out;
}

std::uint64_t Grid::size() const {
  std::uint64_t n = 1;
  for (const auto& a : axes_)
    if (__builtin_mul_overflow(n, a.values->size(), &n))
      throw GridError("the grid has more than 2^64 points");
  return n;
}

Point Grid::point(std::uint64_t i) const {
  Point p;
  p.index = i;
  p.values.resize(axes_.size());
  for (size_t k = axes_.size(); k-- > 0;) {
    std::uint64_t n = axes_[k].values->size();
    p.values[k] = axes_[k].values->at(i % n);
    i /= n;
  }
  return p;
}

void append_params_json(std::string& out, const Grid& grid, const Point& p) {
  out += '{';
  const auto& axes = grid.axes();
  for (size_t k = 0; k < axes.size(); ++k) {
    if (k) out += ',';
    append_json_string(out, axes[k].name);
    out += ':';
    append_json(out, p.values[k]);
  }
  out += '}';
}

}  // namespace sweep
