// A stand-in for a training program: reads --depth and --impurity, "trains"
// for a moment and prints one JSON line of metrics, as real programs do.
// With --seed=N the accuracy gets seed noise (+-0.02, the same for the same
// arguments), so replicates differ as real runs do (configs/report.json).
// With --epochs=E it first prints `epoch e accuracy=...` lines, a learning
// curve rising to the final accuracy (sweep report --html draws it).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  long depth = 1;
  long seed = -1;
  long epochs = 0;
  std::string impurity = "gini";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--depth=", 8) == 0)
      depth = std::atol(argv[i] + 8);
    if (std::strncmp(argv[i], "--impurity=", 11) == 0) impurity = argv[i] + 11;
    if (std::strncmp(argv[i], "--seed=", 7) == 0) seed = std::atol(argv[i] + 7);
    if (std::strncmp(argv[i], "--epochs=", 9) == 0)
      epochs = std::atol(argv[i] + 9);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20 * depth));
  double acc = 1.0 - 1.0 / (depth + 1) - (impurity == "entropy" ? 0.01 : 0.0);
  if (seed >= 0) {  // SplitMix64 of the arguments: noise in [-0.02, 0.02)
    unsigned long long z =
        static_cast<unsigned long long>(seed * 1000003 + depth * 131) +
        impurity.size() + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    acc += (static_cast<double>(z >> 11) / 9007199254740992.0 - 0.5) * 0.04;
  }
  std::printf("training depth=%ld impurity=%s\n", depth, impurity.c_str());
  for (long e = 1; e <= epochs; ++e) {  // from 0.5 up to acc at the last
    double left = 1.0 - static_cast<double>(e) / static_cast<double>(epochs);
    std::printf("epoch %ld accuracy=%.4f\n", e,
                acc - (acc - 0.5) * left * left);
  }
  std::printf("{\"depth\": %ld, \"impurity\": \"%s\", \"accuracy\": %.4f}\n",
              depth, impurity.c_str(), acc);
  return 0;
}
