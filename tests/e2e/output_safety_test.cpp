// Nothing lost, nothing written where it must not be: --keep-order holds
// output in bounded memory, outputs that are one file are refused before
// anything runs, and --results never writes through a link.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

using e2e::lines;
using e2e::read;
using e2e::sweep;
namespace fs = std::filesystem;

namespace {

struct Measured {
  int exit = -1;
  long max_rss_kb = 0;  ///< sweep's peak resident memory.
};

// Runs sweep with stdout into a file and TMPDIR set, and measures its peak
// memory (wait4 reports the child's own).
Measured sweep_measured(const std::vector<std::string>& args,
                        const fs::path& out, const fs::path& tmpdir) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_WRONLY);
    if (fd < 0 || null < 0 || dup2(fd, 1) < 0 || dup2(null, 2) < 0) _exit(126);
    setenv("TMPDIR", tmpdir.c_str(), 1);
    std::string bin = e2e::sweep_bin();
    std::vector<char*> argv{bin.data()};
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  REQUIRE(wait4(pid, &status, 0, &ru) == pid);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
          ru.ru_maxrss};
}

}  // namespace

// Peak memory bounds. Under `make asan` shadow memory, redzones and the
// quarantine (16 MB there) add about 60 MB to sweep's peak; what each test
// guards against (200 MB held, 600 MB of blocks) would still be far above.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kKeepOrderBoundKb = 180 * 1024;
constexpr long kLongLineBoundKb = 180 * 1024;
#else
constexpr long kKeepOrderBoundKb = 110 * 1024;
constexpr long kLongLineBoundKb = 120 * 1024;
#endif

TEST_CASE("--keep-order holds 200 MB of later jobs' output in bounded memory") {
  e2e::TempDir dir;
  fs::path tmp = dir.path() / "tmp", marks = dir.path() / "marks";
  fs::create_directory(tmp);
  fs::create_directory(marks);
  fs::path out = dir.path() / "out.txt";
  // Jobs 1-4 each write 50 MB and leave a mark; job 0 ends only after all
  // four marks (or a minute), so everything they wrote is held.
  std::string script =
      "if [ <i> = 0 ]; then n=0; while [ $(ls \"$1\" | wc -l) -lt 4 ] && "
      "[ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done; \"$0\" 3 10; "
      "else \"$0\" 50000 1000 && touch \"$1\"/<i>; fi";
  Measured m = sweep_measured(
      {"run", "-j", "5", "-p", "i=0..4", "--keep-order", "--format", "text",
       "--", "sh", "-c", script, e2e::emit_bin(), marks},
      out, tmp);
  CHECK(m.exit == 0);
  // Held in memory: at most 64 MiB, not 200 MB (sweep alone takes ~14 MB).
  CHECK(m.max_rss_kb < kKeepOrderBoundKb);
  CHECK(fs::is_empty(tmp));  // the spill file never had a name there
  // Every line, once, in job order.
  std::map<std::string, long> count;
  std::string order;
  std::string text = read(out);
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    REQUIRE(nl != std::string::npos);
    std::string tag = text.substr(at, text.find(':', at) - at);
    if (order.empty() || order.back() != tag[0]) order += tag;
    ++count[tag];
    at = nl + 1;
  }
  CHECK(order == "01234");
  CHECK(count["0"] == 3);
  for (const char* held : {"1", "2", "3", "4"}) CHECK(count[held] == 50000);
}

TEST_CASE("sweep report after a 24 MB line reads the rest in small blocks") {
  // A line of 24 MB early in a 64 MB stream (so read by two threads): it is
  // held whole (the reader's buffer, and the job's last line), but the
  // blocks after it are small again. Blocks as large as the long line's
  // buffer took some 600 MB here.
  e2e::TempDir dir;
  std::string text = "{\"job\":0,\"params\":{\"x\":0},\"line\":\"loss=1 " +
                     std::string(24 << 20, 'y') + "\"}\n";
  for (int j = 1; j < 400000; ++j) {
    std::string head = "{\"job\":" + std::to_string(j) +
                       ",\"params\":{\"x\":" + std::to_string(j % 100) + "}";
    text += head + ",\"line\":\"epoch 1 loss=0.5\"}\n" + head +
            ",\"exit\":0,\"duration_s\":1.5}\n";
  }
  text += "{\"job\":0,\"params\":{\"x\":0},\"exit\":0}\n";
  std::string stream = dir.write("long.jsonl", text);
  text.clear();
  text.shrink_to_fit();
  fs::path out = dir.path() / "report.csv";
  Measured m = sweep_measured(
      {"report", stream, "--metric", "loss:min", "--format", "csv"}, out,
      dir.path());
  CHECK(m.exit == 0);
  CHECK(m.max_rss_kb < kLongLineBoundKb);
  CHECK(read(out).find("x,runs,failed,loss_n") == 0);
}

TEST_CASE("outputs that are one file are refused before any job runs") {
  e2e::TempDir dir;
  auto journal = dir.write("j.jsonl", "{\"key\":\"earlier\"}\n");
  auto stats = dir.write("stats.json", "{}\n");
  fs::create_directories(dir.path() / "res" / "0");
  auto in_results = (dir.path() / "res" / "0" / "stdout").string();
  auto marker = (dir.path() / "ran").string();
  std::vector<std::string> job = {"--", "touch", marker};
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"-o", journal, "--journal", journal},
       "-o " + journal + " and --journal " + journal + " are the same file"},
      {{"--journal", journal, "--stats-json", journal},
       "--journal " + journal + " and --stats-json " + journal +
           " are the same file"},
      {{"-o", stats, "--stats-json", dir.path() / "." / "stats.json"},
       " are the same file"},
      {{"-o", in_results, "--results", dir.path() / "res"},
       "-o " + in_results + " is where --results"},
      {{"--stats-json", dir.path() / "res" / "1", "--results",
        dir.path() / "res"},
       "writes a job's files"},
  };
  for (auto& c : cases) {
    std::vector<std::string> args{"run"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), job.begin(), job.end());
    e2e::check_usage_error(args, c.message);
  }
  // Nothing truncated, nothing run.
  CHECK(read(journal) == "{\"key\":\"earlier\"}\n");
  CHECK(read(stats) == "{}\n");
  CHECK_FALSE(fs::exists(in_results));
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("-o /dev/stdout alone is the result stream on stdout") {
  auto r =
      sweep({"run", "-p", "x=1,2", "-o", "/dev/stdout", "--", "echo", "<x>"});
  CHECK(r.exit == 0);
  CHECK(e2e::records(r.out).size() == 4);
}

TEST_CASE("--results refuses a planted link and writes nothing outside DIR") {
  e2e::TempDir dir;
  fs::path res = dir.path() / "res", elsewhere = dir.path() / "elsewhere";
  fs::create_directories(res / "1");
  fs::create_directories(elsewhere);
  auto victim = dir.write("victim", "precious\n");
  fs::create_directory_symlink(elsewhere, res / "0");
  fs::create_symlink(victim, res / "1" / "stdout");
  e2e::check_usage_error(
      {"run", "-p", "x=0,1", "--results", res, "--", "echo", "<x>"},
      res.string() + "/0: is a symbolic link");
  CHECK(fs::is_empty(elsewhere));
  // With job 0's directory real, job 0 runs and job 1 meets the second link.
  fs::remove(res / "0");
  auto r = sweep(
      {"run", "-j", "1", "-p", "x=0,1", "--results", res, "--", "echo", "<x>"});
  CHECK(r.exit == 2);
  CHECK(lines(r.err).size() == 1);
  CHECK(r.err.find(res.string() + "/1/stdout: is a symbolic link") !=
        std::string::npos);
  CHECK(read(res / "0" / "stdout") == "0\n");
  CHECK(read(victim) == "precious\n");
  CHECK(fs::is_empty(elsewhere));
}

TEST_CASE("an empty file or directory name is an error, not an absent flag") {
  // `-o "$OUT"` with OUT unset must not send the results to stdout.
  e2e::TempDir dir;
  std::string mark = (dir.path() / "ran").string();
  for (const std::string flag :
       {"-o", "--journal", "--stats-json", "--results", "--run-dir",
        "--report-output", "--report-html", "--memfree"})
    e2e::check_usage_error({"run", flag, "", "-p", "x=1", "--", "touch", mark},
                           flag + ": must not be empty");
  CHECK_FALSE(std::filesystem::exists(mark));
  e2e::check_usage_error({"report", "", "--metric", "acc"},
                         "INPUT: must not be empty");
  auto in = dir.write("in.txt", "a\nb\n");
  e2e::check_usage_error({"batchify", "-n", "2", in, "-o", ""},
                         "-o: must not be empty");
}
