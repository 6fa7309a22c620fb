#include "sweep/evaluate.hpp"

namespace sweep::detail {

std::size_t thread_count(std::size_t requested) {
  if (requested > 0) return requested;
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? hw : 1;
}

void parallel_for(std::uint64_t n, std::size_t threads,
                  const std::function<bool()>& stop,
                  const std::function<void(std::uint64_t)>& body) {
  std::atomic<std::uint64_t> next{0};
  auto work = [&] {
    while (!stop()) {
      std::uint64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      body(i);
    }
  };
  std::size_t extra =
      static_cast<std::size_t>(std::min<std::uint64_t>(threads, n));
  std::vector<std::thread> pool;
  pool.reserve(extra > 0 ? extra - 1 : 0);
  for (std::size_t t = 1; t < extra; ++t) pool.emplace_back(work);
  if (extra > 0) work();  // the calling thread works too
  for (auto& t : pool) t.join();
}

}  // namespace sweep::detail
