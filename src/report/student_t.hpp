#pragma once

// Student's t distribution, exactly (no normal approximation): confidence
// intervals of few replicates and Welch's test of two groups need it.

#include <cstdint>

namespace sweep::report {

/// The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in
/// [0, 1], by its continued fraction (modified Lentz).
double incomplete_beta(double a, double b, double x);

/// P(T > t) for T ~ Student's t with df > 0 degrees of freedom (df need not
/// be whole: Welch's df is not).
double student_t_upper_tail(double t, double df);

/// P(T <= t).
double student_t_cdf(double t, double df);

/// The p-quantile of Student's t with df degrees of freedom, p in (0, 1).
double student_t_quantile(double p, double df);

/// What is known of a sample for a t-test: its size, mean and variance
/// (n - 1 in the denominator).
struct SampleMoments {
  std::uint64_t n = 0;
  double mean = 0;
  double variance = 0;
};

/// The outcome of Welch's unequal-variances t-test.
struct WelchResult {
  double t = 0;   ///< (mean_a - mean_b) / standard error of the difference.
  double df = 0;  ///< Welch-Satterthwaite degrees of freedom.
  double p = 1;   ///< Two-sided p-value.
};

/// Welch's t-test of equal means; both samples need n >= 2. When both
/// variances are 0 the means are equal (p = 1) or certainly not (p = 0).
WelchResult welch_test(const SampleMoments& a, const SampleMoments& b);

}  // namespace sweep::report
