// Student's t from the regularized incomplete beta function, as in
// Numerical Recipes (3rd ed., 6.4 and 6.14): P(|T| > t) = I_x(df/2, 1/2)
// with x = df / (df + t^2). Quantiles invert the upper tail by bisection,
// which cannot diverge and needs no starting guess.
#include "report/student_t.hpp"

#include <cmath>
#include <limits>

namespace sweep::report {

namespace {

// The continued fraction of I_x(a, b) (NR's betacf), by modified Lentz;
// converges fast for x < (a + 1) / (a + b + 2).
double beta_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300, kEps = 1e-16;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) break;
  }
  return h;
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                     a * std::log(x) + b * std::log1p(-x);
  double front = std::exp(log_front);
  // The fraction converges on the side of the symmetry point it is given.
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(a, b, x) / a;
  return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double student_t_upper_tail(double t, double df) {
  if (std::isinf(t)) return t > 0 ? 0 : 1;
  double x = df / (df + t * t);
  double both = incomplete_beta(df / 2, 0.5, x);  // P(|T| > |t|)
  return t >= 0 ? both / 2 : 1 - both / 2;
}

double student_t_cdf(double t, double df) {
  return 1 - student_t_upper_tail(t, df);
}

double student_t_quantile(double p, double df) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  if (p == 0.5) return 0;
  // Solve P(T > t) = q on the tail, where q keeps its precision.
  double q = 1 - p, lo = 0, hi = 1;
  while (student_t_upper_tail(hi, df) > q) {
    lo = hi;
    hi *= 2;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    double mid = (lo + hi) / 2;
    (student_t_upper_tail(mid, df) > q ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

WelchResult welch_test(const SampleMoments& a, const SampleMoments& b) {
  WelchResult r;
  double va = a.variance / static_cast<double>(a.n);
  double vb = b.variance / static_cast<double>(b.n);
  double se2 = va + vb;
  if (se2 <= 0) {
    r.p = a.mean == b.mean ? 1 : 0;
    r.t = a.mean == b.mean ? 0 : std::copysign(INFINITY, a.mean - b.mean);
    r.df = static_cast<double>(a.n + b.n - 2);
    return r;
  }
  r.t = (a.mean - b.mean) / std::sqrt(se2);
  r.df = se2 * se2 /
         (va * va / static_cast<double>(a.n - 1) +
          vb * vb / static_cast<double>(b.n - 1));
  r.p = 2 * student_t_upper_tail(std::fabs(r.t), r.df);
  return r;
}

}  // namespace sweep::report
