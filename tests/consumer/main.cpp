// A program outside the sweep tree, built against the installed package
// only: the library's public API, in-process and command sweeps.
#include <cstdio>
#include <sweep/sweep.hpp>

// The public API pulls in no process or signal machinery.
#ifdef POLLIN
#error "sweep/sweep.hpp must not include <poll.h>"
#endif
#ifdef SIGCHLD
#error "sweep/sweep.hpp must not include <signal.h>"
#endif

int main() {
  sweep::Grid grid = sweep::Grid{}.axis("a", {1, 2, 3}).range("b", 1, 4);
  auto ev = sweep::evaluate(grid, [](const sweep::Point& p) {
    return p.get<int>("a") * p.get<int>("b");
  });
  long sum = 0;
  for (const auto& r : ev.results) sum += r.get();

  // The same grid as commands; the records come back through the reader.
  long lines = 0, ends = 0, printed = 0;
  sweep::CommandSweepOptions options;
  options.threads = 4;
  options.on_record = [&](const sweep::Record& r, std::string_view) {
    if (r.kind == sweep::RecordKind::kLine) {
      ++lines;
      printed += std::stol(std::string(r.line));
    } else if (r.kind == sweep::RecordKind::kEnd && r.result.ok()) {
      ++ends;
    }
  };
  sweep::StatsSummary s = sweep::run_command_sweep(
      grid, {"sh", "-c", "echo $((<a> * <b>))"}, options);
  std::printf(
      "consumer ok: %zu results, sum %ld; commands: %ld lines, %ld ends, sum "
      "%ld, %llu succeeded; version %.*s\n",
      ev.results.size(), sum, lines, ends, printed,
      static_cast<unsigned long long>(s.succeeded),
      static_cast<int>(sweep::version().size()), sweep::version().data());
  return sum == 60 && printed == 60 && ends == 12 && s.succeeded == 12 ? 0 : 1;
}
