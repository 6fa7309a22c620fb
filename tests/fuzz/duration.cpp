// Durations (--timeout, --kill-after): whatever the text, parse_duration
// gives a positive number of milliseconds or a sweep::Error naming the flag;
// what it gives reads back the same written in milliseconds; a number means
// the same with or without `s`; and a decimal number of seconds, minutes or
// hours is exactly that many milliseconds, rounded up.
#include "exec/duration.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz.hpp"

using sweep::parse_duration;

namespace {

const std::string kFlag = "--timeout";

// The exact milliseconds of `digits[.digits]unit`, rounded up, computed in
// integers; -1 when text is not of that form, or has more than 12 digits
// (a double holds 15 exactly, and parse_duration reads a double).
long long exact_ms(const std::string& text) {
  size_t end = text.find_first_not_of("0123456789.");
  std::string number = text.substr(0, end), unit;
  if (end != std::string::npos) unit = text.substr(end);
  long long scale = unit.empty() || unit == "s" ? 1000
                    : unit == "ms"              ? 1
                    : unit == "m"               ? 60000
                    : unit == "h"               ? 3600000
                                                : -1;
  size_t dot = number.find('.');
  std::string digits = number;
  if (dot != std::string::npos) digits.erase(dot, 1);
  size_t decimals = dot == std::string::npos ? 0 : number.size() - dot - 1;
  if (scale < 0 || digits.empty() || digits.size() > 12 || number[0] == '.' ||
      number.find('.', dot + 1) != std::string::npos ||
      (dot != std::string::npos && decimals == 0))
    return -1;
  __int128 m = std::stoll(digits) * static_cast<__int128>(scale), p = 1;
  for (size_t i = 0; i < decimals; ++i) p *= 10;
  return static_cast<long long>((m + p - 1) / p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size > 64) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  // An argument cannot hold a NUL byte.
  if (text.find('\0') != std::string::npos) return 0;
  std::chrono::milliseconds ms{};
  std::string why;
  if (!fuzz::accepts([&] { ms = parse_duration(text, kFlag); }, &why)) {
    FUZZ_CHECK(why.rfind(kFlag, 0) == 0,
               "error without the flag: " << fuzz::show(why));
    return 0;
  }
  FUZZ_CHECK(ms.count() > 0, fuzz::show(text) << " -> " << ms.count());
  // What it gave, written in milliseconds, reads back the same.
  std::string as_ms = std::to_string(ms.count()) + "ms";
  std::chrono::milliseconds again{};
  FUZZ_CHECK(fuzz::accepts([&] { again = parse_duration(as_ms, kFlag); }),
             fuzz::show(text) << " -> " << as_ms << " is rejected");
  FUZZ_CHECK(again == ms, fuzz::show(text) << " -> " << ms.count() << " ms, "
                                           << as_ms << " -> " << again.count());
  // Seconds are the default unit.
  if (!text.empty() && text.back() >= '0' && text.back() <= '9') {
    std::chrono::milliseconds with_s{};
    FUZZ_CHECK(
        fuzz::accepts([&] { with_s = parse_duration(text + "s", kFlag); }),
        fuzz::show(text) << " accepted, with s rejected");
    FUZZ_CHECK(with_s == ms, fuzz::show(text)
                                 << " -> " << ms.count() << ", with s -> "
                                 << with_s.count());
  }
  // A decimal number is exactly that many units, rounded up to whole ms.
  if (long long exact = exact_ms(text); exact >= 0)
    FUZZ_CHECK(ms.count() == exact, fuzz::show(text) << " -> " << ms.count()
                                                     << " ms, not " << exact);
  return 0;
}
