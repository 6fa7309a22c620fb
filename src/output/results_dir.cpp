#include "output/results_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/clock.hpp"
#include "core/record_writer.hpp"
#include "sweep/error.hpp"

namespace sweep {

namespace {

// A directory descriptor, closed at the end of its scope.
class DirFd {
 public:
  explicit DirFd(int fd) : fd_(fd) {}
  ~DirFd() { ::close(fd_); }
  DirFd(const DirFd&) = delete;
  DirFd& operator=(const DirFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Refuses a symbolic link where sweep writes: whoever planted it chose where
// the bytes would go, outside DIR or into someone else's file.
void refuse_link(int at, const std::string& name, const std::string& shown) {
  struct stat st;
  if (::fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode))
      throw Error(shown +
                  ": is a symbolic link; --results does not follow links "
                  "inside its directory");
  } else if (errno != ENOENT) {
    throw Error(shown + ": " + std::strerror(errno));
  }
}

// DIR/<job>, created if needed, opened without following a link.
int open_job_dir(int dir_fd, const std::string& name,
                 const std::string& shown) {
  if (::mkdirat(dir_fd, name.c_str(), 0755) != 0 && errno != EEXIST)
    throw Error(shown + ": cannot create directory: " + std::strerror(errno));
  int fd = ::openat(dir_fd, name.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return fd;
  int e = errno;
  refuse_link(dir_fd, name, shown);  // the clearer message, if it is a link
  throw Error(shown + ": cannot open directory: " + std::strerror(e));
}

// Creates a job's file afresh. An old one is removed rather than truncated,
// since it may be a hard link to a file elsewhere; O_EXCL then refuses
// whatever appeared in between.
int create_file(int job_fd, const std::string& name, const std::string& shown) {
  refuse_link(job_fd, name, shown);
  if (::unlinkat(job_fd, name.c_str(), 0) != 0 && errno != ENOENT)
    throw Error(shown + ": cannot replace: " + std::strerror(errno));
  int fd = ::openat(job_fd, name.c_str(),
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(shown + ": cannot open for writing: " + std::strerror(errno));
  return fd;
}

// Writes a small file whole: under a temporary name, then renamed into place.
void write_file(int job_fd, const std::string& name, const std::string& content,
                const std::string& shown_dir) {
  refuse_link(job_fd, name, shown_dir + "/" + name);
  std::string tmp = name + ".tmp";
  {
    OutputStream out(create_file(job_fd, tmp, shown_dir + "/" + tmp), true);
    out.write(content);
    out.flush();
  }
  if (::renameat(job_fd, tmp.c_str(), job_fd, name.c_str()) != 0)
    throw SystemError("rename " + shown_dir + "/" + name, errno);
}

}  // namespace

ResultsDirWriter::ResultsDirWriter(std::string dir) : dir_(std::move(dir)) {
  // DIR itself may be a link: the user named it. Only what is inside it is
  // sweep's to create.
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw Error(dir_ + ": cannot create directory: " + ec.message());
  dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0)
    throw Error(dir_ + ": cannot open directory: " + std::strerror(errno));
}

ResultsDirWriter::~ResultsDirWriter() {
  open_.clear();  // flushes the files while DIR is still open
  ::close(dir_fd_);
}

void ResultsDirWriter::on_start(const Job& job) {
  std::string name = std::to_string(job.index);
  std::string shown = dir_ + "/" + name;
  DirFd d(open_job_dir(dir_fd_, name, shown));
  write_file(d.get(), "params.json", job.params_json + "\n", shown);
  // A new attempt starts its output files afresh.
  OutputStream out(create_file(d.get(), "stdout", shown + "/stdout"), true);
  OutputStream err(create_file(d.get(), "stderr", shown + "/stderr"), true);
  open_[job.index] =
      std::make_unique<Files>(Files{std::move(out), std::move(err)});
}

void ResultsDirWriter::on_line(const Job& job, Stream stream,
                               std::string_view line) {
  auto it = open_.find(job.index);
  if (it == open_.end()) return;
  OutputStream& o =
      stream == Stream::kStdout ? it->second->out : it->second->err;
  std::string& b = o.buffer();
  b += line;
  b += '\n';
  o.commit();
}

void ResultsDirWriter::on_finish(const Job& job, const JobResult& result) {
  open_.erase(job.index);  // flushes and closes both files
  // The journal's record: one format for "how did this job end".
  std::string status;
  append_journal_record(
      status, job.key,
      RecordHead{job.index, job.params_json, job.rep, job.attempt,
                 job.params_b64_json},
      result, utc_timestamp());
  std::string name = std::to_string(job.index);
  std::string shown = dir_ + "/" + name;
  DirFd d(open_job_dir(dir_fd_, name, shown));
  write_file(d.get(), "status.json", status, shown);
}

void ResultsDirWriter::flush() {
  for (auto& [index, files] : open_) {
    files->out.flush();
    files->err.flush();
  }
}

}  // namespace sweep
