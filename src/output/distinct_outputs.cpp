#include "output/distinct_outputs.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <string_view>

#include "sweep/error.hpp"

namespace sweep {

namespace fs = std::filesystem;

namespace {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> id_of(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

// Where an output's bytes would go: the file, if it exists; else the
// directory it would be created in, and its name there.
struct Target {
  bool exists = false;
  bool shareable = false;     ///< A character device: nothing to clobber.
  FileId file;                ///< The file itself, when it exists.
  std::optional<FileId> dir;  ///< The directory holding it, if known.
  fs::path real;              ///< Its path with links resolved, if known.
};

std::optional<Target> locate(const fs::path& path, int links = 0) {
  Target t;
  std::error_code ec;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    t.exists = true;
    t.file = FileId{st.st_dev, st.st_ino};
    t.shareable = S_ISCHR(st.st_mode);
    t.real = fs::canonical(path, ec);  // fails for /dev/stdout on a pipe
    if (ec) return t;
  } else {
    if (errno != ENOENT) return std::nullopt;
    // A dangling link: opening it would create the file it points to.
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      fs::path to = fs::read_symlink(path, ec);
      if (ec || links >= 40) return std::nullopt;
      return locate(to.is_absolute() ? to : path.parent_path() / to, links + 1);
    }
    fs::path parent = path.parent_path().empty() ? "." : path.parent_path();
    if (path.filename().empty()) return std::nullopt;
    t.real = fs::canonical(parent, ec) / path.filename();
    if (ec) return std::nullopt;
  }
  t.dir = id_of(t.real.parent_path());
  return t;
}

bool same_file(const Target& a, const Target& b) {
  if (a.exists != b.exists) return false;
  if (a.exists) return a.file == b.file && !a.shareable;
  return a.dir && a.dir == b.dir && a.real.filename() == b.real.filename();
}

bool is_job_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

// True if --results DIR creates or writes `t`: DIR/<job>, or one of a job's
// files (and their temporary names) in DIR/<job>/.
bool written_by_results(const Target& t, const FileId& results) {
  if (t.real.empty() || !t.dir) return false;
  std::string name = t.real.filename().string();
  if (*t.dir == results) return is_job_name(name);
  static constexpr std::array<std::string_view, 6> kJobFiles = {
      "params.json", "params.json.tmp", "stdout",
      "stderr",      "status.json",     "status.json.tmp"};
  fs::path job_dir = t.real.parent_path();
  return std::find(kJobFiles.begin(), kJobFiles.end(), name) !=
             kJobFiles.end() &&
         is_job_name(job_dir.filename().string()) &&
         id_of(job_dir.parent_path()) == results;
}

}  // namespace

void check_distinct_outputs(const std::vector<NamedOutput>& outputs,
                            const std::string& results_dir) {
  std::vector<NamedOutput> all = outputs;
  if (!results_dir.empty()) all.push_back({"--results", results_dir});
  std::vector<std::optional<Target>> targets;
  for (const auto& o : all) targets.push_back(locate(o.path));
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = i + 1; j < all.size(); ++j)
      if (targets[i] && targets[j] && same_file(*targets[i], *targets[j]))
        throw Error(all[i].flag + " " + all[i].path + " and " + all[j].flag +
                    " " + all[j].path +
                    " are the same file: each output needs its own");
  std::optional<FileId> results;
  if (!results_dir.empty()) results = id_of(results_dir);
  if (!results) return;  // not there yet: nothing can be inside it
  for (size_t i = 0; i < outputs.size(); ++i)
    if (targets[i] && written_by_results(*targets[i], *results))
      throw Error(outputs[i].flag + " " + outputs[i].path +
                  " is where --results " + results_dir +
                  " writes a job's files: each output needs its own");
}

void check_outputs_not_inputs(const std::vector<NamedOutput>& outputs,
                              const std::vector<std::string>& inputs) {
  check_distinct_outputs(outputs, "");
  for (const auto& o : outputs) {
    std::optional<Target> out = locate(o.path);
    if (!out || !out->exists) continue;  // a new file is no input
    for (const auto& in : inputs) {
      std::optional<Target> t = locate(in);
      if (t && same_file(*out, *t))
        throw Error(o.flag + " " + o.path + " is the input " + in +
                    ": writing it would destroy it before it is read");
    }
  }
}

}  // namespace sweep
