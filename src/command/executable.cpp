#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "command/command_template.hpp"
#include "sweep/error.hpp"

namespace sweep {
namespace {

// 0 if path is a regular file we may execute, else an errno value.
int executable_error(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EISDIR;
  if (access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

}  // namespace

std::string resolve_executable(const std::string& program) {
  if (program.empty())
    throw Error("command not found: the program name is empty",
                kExitCommandNotFound);
  if (program.find('/') != std::string::npos) {
    if (int err = executable_error(program))
      throw Error("cannot execute " + program + ": " + std::strerror(err),
                  kExitCommandNotFound);
    return program;
  }
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/bin:/bin:/usr/bin";
  int first_error = ENOENT;
  size_t start = 0;
  while (true) {
    size_t end = path.find(':', start);
    std::string dir =
        path.substr(start, end == std::string::npos ? end : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    int err = executable_error(candidate);
    if (err == 0) return candidate;
    if (err != ENOENT && err != ENOTDIR && first_error == ENOENT)
      first_error = err;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (first_error == ENOENT)
    throw Error("command not found: " + program, kExitCommandNotFound);
  throw Error("cannot execute " + program + ": " + std::strerror(first_error),
              kExitCommandNotFound);
}

}  // namespace sweep
