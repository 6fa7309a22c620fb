#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/job.hpp"
#include "output/output_stream.hpp"

namespace sweep {

/// Writes DIR/<job>/ for each job (--results): params.json, stdout, stderr
/// (raw lines, as the job wrote them) and status.json when it ends. Names
/// come from job indices only, never from parameter values. Everything is
/// created relative to DIR's descriptor and never through a symbolic link:
/// a link where a job's directory or file goes is refused (Error, exit 2:
/// sweep stops), and an existing file is replaced, never written into, so
/// nothing outside DIR is ever written.
class ResultsDirWriter : public EventSink {
 public:
  /// Creates dir if needed and opens it; throws Error naming it.
  explicit ResultsDirWriter(std::string dir);
  ~ResultsDirWriter() override;
  ResultsDirWriter(const ResultsDirWriter&) = delete;
  ResultsDirWriter& operator=(const ResultsDirWriter&) = delete;

  void on_start(const Job& job) override;
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream,
                std::string_view lines) override {
    on_line(job, stream, lines);  // raw files: a block is written as it is
  }
  void on_finish(const Job& job, const JobResult& result) override;
  void flush() override;

 private:
  struct Files {
    OutputStream out, err;
  };
  std::string dir_;
  int dir_fd_ = -1;  ///< DIR, opened once; every name is relative to it.
  std::unordered_map<std::uint64_t, std::unique_ptr<Files>> open_;
};

}  // namespace sweep
