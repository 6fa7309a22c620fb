// The original Parallelize README's ModelEvaluator example with the sweep
// library: every combination of impurity x depth 2..30 x bins 10..1050 step
// 10, plus a fixed foo, evaluated on 4 threads (6090 calls), then results and
// statistics.
#include <cstdio>
#include <string>
#include <sweep/sweep.hpp>
#include <tuple>

int main() {
  sweep::Grid grid = sweep::Grid{}
                         .axis("impurity", {"gini", "entropy"})
                         .range("depth", 2, 30)
                         .range("bins", 10, 1050, 10)
                         .fixed("foo", "bar");

  // The original test_func: return (depth, impurity, bins).
  auto test_func = [](const sweep::Point& p) {
    return std::make_tuple(p.get<int>("depth"), p.get<std::string>("impurity"),
                           p.get<int>("bins"));
  };
  sweep::EvaluateOptions options;
  options.threads = 4;
  auto evaluation = sweep::evaluate(grid, test_func, options);

  // results[903:908], in the original's tuple form.
  std::printf("results[903:908]: [");
  for (int i = 903; i < 908; ++i) {
    auto [depth, impurity, bins] = evaluation.results[i].get();
    std::printf("%s(%d, '%s', %d)", i > 903 ? ", " : "", depth,
                impurity.c_str(), bins);
  }
  std::printf("]\n");
  std::printf("calls: %zu\n", evaluation.results.size());
  std::fputs(evaluation.report().c_str(), stdout);
  return evaluation.stats.failed == 0 ? 0 : 1;
}
