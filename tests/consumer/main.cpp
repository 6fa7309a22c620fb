#include <cstdio>
#include <sweep/sweep.hpp>

int main() {
  sweep::Grid grid = sweep::Grid{}.axis("a", {1, 2, 3}).range("b", 1, 4);
  auto ev = sweep::evaluate(grid, [](const sweep::Point& p) {
    return p.get<int>("a") * p.get<int>("b");
  });
  long sum = 0;
  for (const auto& r : ev.results) sum += r.get();
  std::printf("consumer ok: %zu results, sum %ld\n", ev.results.size(), sum);
  return sum == 60 ? 0 : 1;
}
