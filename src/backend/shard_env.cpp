#include <charconv>

#include "backend/backend.hpp"
#include "grid/plan.hpp"
#include "sweep/error.hpp"

namespace sweep {
namespace {

std::uint64_t number(const char* name, const char* text) {
  std::uint64_t v = 0;
  std::string_view s(text);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty())
    throw Error(std::string("--shard auto: ") + name + "=" + text +
                " is not a number");
  return v;
}

}  // namespace

void shard_from_environment(
    std::uint64_t& index, std::uint64_t& count,
    const std::function<const char*(const char*)>& getenv) {
  if (const char* id = getenv("SLURM_ARRAY_TASK_ID")) {
    std::uint64_t task = number("SLURM_ARRAY_TASK_ID", id);
    std::uint64_t min = 0;
    if (const char* m = getenv("SLURM_ARRAY_TASK_MIN"))
      min = number("SLURM_ARRAY_TASK_MIN", m);
    if (const char* c = getenv("SLURM_ARRAY_TASK_COUNT")) {
      count = number("SLURM_ARRAY_TASK_COUNT", c);
    } else if (const char* mx = getenv("SLURM_ARRAY_TASK_MAX")) {
      count = number("SLURM_ARRAY_TASK_MAX", mx) - min + 1;
    } else {
      throw Error(
          "--shard auto: SLURM_ARRAY_TASK_ID is set but neither "
          "SLURM_ARRAY_TASK_COUNT "
          "nor SLURM_ARRAY_TASK_MAX");
    }
    if (task < min)
      throw Error(
          "--shard auto: SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN");
    index = task - min;
  } else if (const char* ci = getenv("CI_NODE_INDEX")) {
    const char* total = getenv("CI_NODE_TOTAL");
    if (!total)
      throw Error(
          "--shard auto: CI_NODE_INDEX is set but CI_NODE_TOTAL is not");
    std::uint64_t i = number("CI_NODE_INDEX", ci);
    if (i == 0) throw Error("--shard auto: CI_NODE_INDEX is 1-based, not 0");
    index = i - 1;
    count = number("CI_NODE_TOTAL", total);
  } else if (const char* s = getenv("SWEEP_SHARD")) {
    parse_shard(s, index, count);
    return;
  } else {
    throw Error(
        "--shard auto: no shard in the environment (SLURM_ARRAY_TASK_ID, "
        "CI_NODE_INDEX "
        "or SWEEP_SHARD=I/N)");
  }
  if (count == 0 || index >= count)
    throw Error("--shard auto: shard " + std::to_string(index) + " of " +
                std::to_string(count) +
                " from the environment is out of range");
}

}  // namespace sweep
