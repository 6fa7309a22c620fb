// What every fuzz target shares: a check that makes a broken property a
// finding, a guard that lets user errors (sweep::Error) pass and makes any
// other exception a finding, and a scratch directory of its own.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <typeinfo>

#include "sweep/error.hpp"

namespace fuzz {

/// A property that failed: print it and abort, which libFuzzer reports as a
/// crash and saves the input.
[[noreturn]] inline void fail(const char* file, int line, const char* what,
                              const std::string& detail) {
  std::fprintf(stderr, "\n%s:%d: property failed: %s\n%s\n", file, line, what,
               detail.c_str());
  std::abort();
}

/// Checks a property; the optional second argument (any expression that
/// streams) says what was seen.
#define FUZZ_CHECK(cond, ...)                                      \
  do {                                                             \
    if (!(cond)) {                                                 \
      std::ostringstream fuzz_detail_;                             \
      fuzz_detail_ << "" __VA_OPT__(<<) __VA_ARGS__;               \
      ::fuzz::fail(__FILE__, __LINE__, #cond, fuzz_detail_.str()); \
    }                                                              \
  } while (0)

/// Runs fn; true if it returned, false if it threw sweep::Error (a user
/// error, what sweep is allowed to answer bad input with). Any other
/// exception is a finding.
template <class Fn>
bool accepts(Fn&& fn, std::string* why = nullptr) {
  try {
    fn();
    return true;
  } catch (const sweep::Error& e) {
    if (why) *why = e.what();
    return false;
  } catch (const std::exception& e) {
    fail(__FILE__, __LINE__, "only sweep::Error may escape",
         std::string("threw ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fail(__FILE__, __LINE__, "only sweep::Error may escape",
         "threw a non-std exception");
  }
}

/// A directory of this process's own, removed at exit; libFuzzer runs one
/// input at a time, so each target reuses it. In memory (/dev/shm) where
/// there is one: the journal syncs every record.
inline const std::string& scratch_dir() {
  // Never destroyed: the exit handler that removes it runs after statics die.
  static const std::string& dir = *[] {
    std::error_code ec;
    std::filesystem::path tmp = std::filesystem::is_directory("/dev/shm", ec)
                                    ? "/dev/shm"
                                    : std::filesystem::temp_directory_path();
    auto* d = new std::string(
        (tmp / ("sweep-fuzz-" + std::to_string(getpid()))).string());
    std::filesystem::remove_all(*d);
    std::filesystem::create_directories(*d);
    std::atexit([] { std::filesystem::remove_all(scratch_dir()); });
    return d;
  }();
  return dir;
}

/// Writes bytes to a file (replacing it) and returns its path.
inline std::string write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) fail(__FILE__, __LINE__, "scratch file written", path);
  return path;
}

/// The whole content of a file.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Printable form of bytes for failure messages.
inline std::string show(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

}  // namespace fuzz
