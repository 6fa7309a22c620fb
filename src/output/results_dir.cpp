#include "output/results_dir.hpp"

#include <cstdio>
#include <filesystem>

#include "core/clock.hpp"
#include "core/record_writer.hpp"
#include "sweep/error.hpp"

namespace sweep {

namespace fs = std::filesystem;

namespace {

void create_dirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create directory: " + ec.message());
}

// Writes a small file whole: to a temporary name, then renamed into place.
void write_file(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    OutputStream out = OutputStream::open_file(tmp);
    out.write(content);
    out.flush();
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw SystemError("rename " + path, errno);
}

}  // namespace

ResultsDirWriter::ResultsDirWriter(std::string dir) : dir_(std::move(dir)) {
  create_dirs(dir_);
}

std::string ResultsDirWriter::job_dir(const Job& job) const {
  return dir_ + "/" + std::to_string(job.index);
}

void ResultsDirWriter::on_start(const Job& job) {
  std::string d = job_dir(job);
  create_dirs(d);
  write_file(d + "/params.json", job.params_json + "\n");
  // A new attempt starts its output files afresh.
  open_[job.index] =
      std::make_unique<Files>(Files{OutputStream::open_file(d + "/stdout"),
                                    OutputStream::open_file(d + "/stderr")});
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
  append_journal_record(status, job.key,
                        RecordHead{job.index, job.params_json, job.rep,
                                   job.attempt, job.params_b64_json},
                        result, utc_timestamp());
  write_file(job_dir(job) + "/status.json", status);
}

void ResultsDirWriter::flush() {
  for (auto& [index, files] : open_) {
    files->out.flush();
    files->err.flush();
  }
}

}  // namespace sweep
