#include "harness.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace e2e {

std::string sweep_bin() { return SWEEP_BIN; }
std::string emit_bin() { return EMIT_BIN; }

Result run(const std::vector<std::string>& argv, const RunOptions& opts) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe2 failed");
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  Result r;
  size_t written = 0;
  int in_fd = in[1];
  if (opts.input.empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  int fds[2] = {out[0], err[0]};
  std::string* sinks[2] = {&r.out, &r.err};
  char buf[65536];
  auto deadline = start + std::chrono::duration<double>(opts.timeout_s);
  bool killed = false;
  while (fds[0] >= 0 || fds[1] >= 0) {
    std::vector<pollfd> p;
    for (int fd : fds)
      if (fd >= 0) p.push_back({fd, POLLIN, 0});
    if (in_fd >= 0) p.push_back({in_fd, POLLOUT, 0});
    int ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (ms <= 0 || poll(p.data(), p.size(), ms) == 0) {
      if (!killed) kill(pid, SIGKILL);
      killed = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      continue;
    }
    for (const auto& entry : p) {
      if (!entry.revents) continue;
      if (entry.fd == in_fd) {
        ssize_t n = write(in_fd, opts.input.data() + written,
                          opts.input.size() - written);
        if (n > 0) written += n;
        if (written == opts.input.size() || (n < 0 && errno != EAGAIN)) {
          close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      int i = entry.fd == fds[0] ? 0 : 1;
      ssize_t n = ::read(fds[i], buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, n);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(fds[i]);
        fds[i] = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (killed) r.err += "\n[harness: killed after timeout]\n";
  return r;
}

Result sweep(const std::vector<std::string>& args, const RunOptions& opts) {
  std::vector<std::string> argv{sweep_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, opts);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

void check_usage_error(const std::vector<std::string>& args,
                       const std::string& message, const RunOptions& opts) {
  CAPTURE(message);
  Result r = sweep(args, opts);
  CHECK(r.exit == 2);
  CHECK(r.out.empty());
  CHECK(lines(r.err).size() == 1);
  CHECK(r.err.find(message) != std::string::npos);
  CHECK(r.err.rfind("sweep: error: ", 0) == 0);
}

std::vector<nlohmann::ordered_json> records(const std::string& out) {
  std::vector<nlohmann::ordered_json> r;
  for (const auto& l : lines(out))
    r.push_back(nlohmann::ordered_json::parse(l));
  return r;
}

std::vector<nlohmann::ordered_json> end_records(const std::string& out) {
  std::vector<nlohmann::ordered_json> r;
  for (auto& j : records(out))
    if (!j.contains("line") && !j.contains("file")) r.push_back(j);
  return r;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/sweep-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name,
                           const std::string& content) const {
  auto p = path_ / name;
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}

pid_t spawn_sweep(const std::vector<std::string>& args,
                  const std::filesystem::path& dir) {
  pid_t pid = fork();
  if (pid == 0) {
    int out =
        open((dir / "out.jsonl").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err =
        open((dir / "err.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    if (chdir(dir.c_str()) != 0) _exit(126);
    std::string bin = sweep_bin();
    std::vector<char*> argv{bin.data()};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  return pid;
}

bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds limit,
                std::chrono::milliseconds every) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

bool process_running_with(const std::string& marker) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string s;
    std::getline(stat, s);
    size_t paren = s.rfind(')');
    if (paren != std::string::npos && paren + 2 < s.size() &&
        s[paren + 2] == 'Z')
      continue;  // a zombie is already dead
    std::ifstream cmd(entry.path() / "cmdline", std::ios::binary);
    std::string c((std::istreambuf_iterator<char>(cmd)), {});
    std::replace(c.begin(), c.end(), '\0', ' ');
    if (c.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace e2e
