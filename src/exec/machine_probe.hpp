#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sweep {

/// What the machine has to spare, asked before each start (--memfree,
/// --load). An interface so the scheduler's tests can say what it reads.
class MachineProbe {
 public:
  virtual ~MachineProbe() = default;
  /// Bytes of memory available for new work (MemAvailable), if known.
  virtual std::optional<std::uint64_t> mem_available() = 0;
  /// The 1-minute load average, if known.
  virtual std::optional<double> load_1min() = 0;
};

/// Reads Linux's /proc/meminfo and /proc/loadavg, or files of the same form
/// (tests).
class ProcProbe : public MachineProbe {
 public:
  explicit ProcProbe(std::string meminfo = "/proc/meminfo",
                     std::string loadavg = "/proc/loadavg")
      : meminfo_(std::move(meminfo)), loadavg_(std::move(loadavg)) {}
  std::optional<std::uint64_t> mem_available() override;
  std::optional<double> load_1min() override;

 private:
  std::string meminfo_, loadavg_;
};

/// A size in bytes from `4G`, `512M`, `100k`, `1T` or plain bytes (powers
/// of 1024, as GNU parallel's --memfree); throws Error naming the flag.
std::uint64_t parse_size(const std::string& text, const std::string& flag);

/// A size for people: `1.5 GiB`, `300 MiB`.
std::string format_size(std::uint64_t bytes);

}  // namespace sweep
