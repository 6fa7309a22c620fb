#include "report/curve.hpp"

#include <algorithm>
#include <cmath>

namespace sweep::report {

namespace {

// Keeps every other element (the first, third, ...), in place.
template <class T>
void keep_even(std::vector<T>& v) {
  size_t out = 0;
  for (size_t i = 0; i < v.size(); i += 2) v[out++] = v[i];
  v.resize(out);
}

// Two points' statistics as one (Chan et al.'s parallel update), at a's
// step.
CurvePoint pooled(const CurvePoint& a, const CurvePoint& b) {
  CurvePoint p = a;
  p.n = a.n + b.n;
  double delta = b.mean - a.mean;
  double nb = static_cast<double>(b.n), n = static_cast<double>(p.n);
  p.mean = a.mean + delta * nb / n;
  p.m2 = a.m2 + b.m2 + delta * delta * static_cast<double>(a.n) * nb / n;
  return p;
}

}  // namespace

double CurvePoint::sd() const {
  return n < 2 ? NAN : std::sqrt(m2 / static_cast<double>(n - 1));
}

void JobCurve::add(double step, double value) {
  if (seen_++ % stride_ != 0) return;
  points_.emplace_back(step, value);
  if (points_.size() >= 2 * kKept) {
    keep_even(points_);
    stride_ *= 2;
  }
}

void JobCurve::clear() {
  points_.clear();
  seen_ = 0;
  stride_ = 1;
}

void GroupCurve::add(const JobCurve& job) {
  for (const auto& [step, value] : job.points()) {
    auto at = std::lower_bound(
        points_.begin(), points_.end(), step,
        [](const CurvePoint& p, double s) { return p.step < s; });
    if (at == points_.end() || at->step != step)
      at = points_.insert(at, CurvePoint{step, 0, 0, 0});
    at->n += 1;  // Welford's update
    double delta = value - at->mean;
    at->mean += delta / static_cast<double>(at->n);
    at->m2 += delta * (value - at->mean);
  }
  if (points_.size() <= 2 * JobCurve::kKept) return;
  std::vector<CurvePoint> pairs;
  pairs.reserve(points_.size() / 2 + 1);
  for (size_t i = 0; i < points_.size(); i += 2)
    pairs.push_back(i + 1 < points_.size() ? pooled(points_[i], points_[i + 1])
                                           : points_[i]);
  points_ = std::move(pairs);
}

}  // namespace sweep::report
