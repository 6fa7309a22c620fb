#include "exec/duration.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "sweep/error.hpp"

namespace sweep {

std::chrono::milliseconds parse_duration(const std::string& text,
                                         const std::string& flag) {
  if (text.empty())
    throw Error(flag +
                ": expected a positive duration such as 90, 30s, 500ms, 5m or "
                "2h, not an empty value");
  double value = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string unit(r.ptr, text.data() + text.size());
  double scale = unit.empty() || unit == "s" ? 1000
                 : unit == "ms"              ? 1
                 : unit == "m"               ? 60000
                 : unit == "h"               ? 3600000
                                             : -1;
  if (r.ec != std::errc() || r.ptr == text.data() || scale < 0 ||
      !std::isfinite(value) || value <= 0 || value * scale > 1e15)
    throw Error(flag + " " + text +
                ": expected a positive duration such as 90, 30s, 500ms, 5m "
                "or 2h");
  // The product is the decimal written up to a rounding error of a few units
  // in the last place (259.22 * 1000 = 259220.00000000003): a whole number
  // of milliseconds that close is what was meant; the rest rounds up.
  double ms = value * scale;
  if (std::fabs(ms - std::round(ms)) <=
      4 * std::numeric_limits<double>::epsilon() * ms)
    ms = std::round(ms);
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(ms)));
}

}  // namespace sweep
