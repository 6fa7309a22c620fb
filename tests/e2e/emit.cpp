// Test helper: writes LINES lines of WIDTH bytes to stdout, each tagged with
// SWEEP_JOB and its number, so a test can check every line arrived once.
// With a third argument BIG, first writes one line of BIG bytes.
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  long lines = std::atol(argv[1]);
  long width = std::atol(argv[2]);
  const char* job = std::getenv("SWEEP_JOB");
  std::string tag = job ? job : "?";
  if (argc > 3) {
    std::string big(std::atol(argv[3]), 'B');
    std::printf("big:%s:%s\n", tag.c_str(), big.c_str());
  }
  std::string pad(width, 'x');
  for (long i = 0; i < lines; ++i)
    std::printf("%s:%ld:%s\n", tag.c_str(), i, pad.c_str());
  return 0;
}
