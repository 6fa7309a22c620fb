#pragma once

// Clinger's fast path, shared by the record scanner (JSON numbers) and the
// report's metrics (numbers in plain lines): each checks its own grammar
// and then scales here.

#include <cstdint>

namespace sweep {

/// m * 10^scale, correctly rounded, for m below 2^53 (at most 15 digits)
/// and scale within -22..22: both operands are exact doubles, so the one
/// division or product rounds as from_chars does. Callers check the bounds.
inline double scale_exact(std::uint64_t m, int scale) {
  static constexpr double kPow10[] = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  double d = static_cast<double>(m);
  return scale < 0 ? d / kPow10[-scale] : d * kPow10[scale];
}

}  // namespace sweep
