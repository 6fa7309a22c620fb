// A stand-in for a training program: reads --depth and --impurity, "trains"
// for a moment and prints one JSON line of metrics, as real programs do.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  long depth = 1;
  std::string impurity = "gini";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--depth=", 8) == 0)
      depth = std::atol(argv[i] + 8);
    if (std::strncmp(argv[i], "--impurity=", 11) == 0) impurity = argv[i] + 11;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20 * depth));
  double acc = 1.0 - 1.0 / (depth + 1) - (impurity == "entropy" ? 0.01 : 0.0);
  std::printf("training depth=%ld impurity=%s\n", depth, impurity.c_str());
  std::printf("{\"depth\": %ld, \"impurity\": \"%s\", \"accuracy\": %.4f}\n",
              depth, impurity.c_str(), acc);
  return 0;
}
