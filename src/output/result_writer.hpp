#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/job.hpp"
#include "core/record_writer.hpp"
#include "output/output_stream.hpp"
#include "output/status_line.hpp"

namespace sweep {

/// Writes the result stream: one record per stdout line of a job and one
/// when it ends. Implementations differ only in format.
class ResultWriter : public EventSink {};

/// The JSON Lines result stream (format in README.md). Each record is built
/// whole and then appended, so records never tear or mix.
class JsonlWriter : public ResultWriter {
 public:
  /// With `stderr_records`, stderr lines become records too.
  explicit JsonlWriter(OutputStream& out, bool stderr_records = false)
      : out_(out), stderr_records_(stderr_records) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream, std::string_view lines) override;
  void on_file_record(const Job& job, std::string_view file,
                      std::string_view data_json) override;
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override { return out_.closed(); }
  void flush() override { out_.flush(); }

 private:
  void append_line_record(const Job& job, Stream stream, std::string_view line);
  const std::string& line_prefix(const Job& job, Stream stream) {
    if (job.index == prefix_job_ && job.attempt == prefix_attempt_ &&
        stream == prefix_stream_)
      return prefix_;
    return build_prefix(job, stream);
  }
  const std::string& build_prefix(const Job& job, Stream stream);
  OutputStream& out_;
  bool stderr_records_;
  // `{"job":..,"params":..,"line":` of the job whose lines came last: built
  // once per job and stream, not once per line.
  std::string prefix_;
  std::uint64_t prefix_job_ = UINT64_MAX;
  unsigned prefix_attempt_ = 0;
  Stream prefix_stream_ = Stream::kStdout;
};

/// The plainest result stream (--format text): each stdout line as the job
/// wrote it, whole, with nothing added; end records are left out.
class TextWriter : public ResultWriter {
 public:
  explicit TextWriter(OutputStream& out) : out_(out) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream,
                std::string_view lines) override {
    on_line(job, stream, lines);  // a block of lines is copied as it is
  }
  void on_finish(const Job&, const JobResult&) override {}
  bool wants_stop() const override { return out_.closed(); }
  void flush() override { out_.flush(); }

 private:
  OutputStream& out_;
};

/// Passes each job's stderr lines through to sweep's stderr, prefixed
/// `[job] `, above the live status line if there is one.
class StderrRelay : public EventSink {
 public:
  explicit StderrRelay(StatusLine& status) : status_(status) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream,
                std::string_view lines) override {
    if (stream == Stream::kStderr) EventSink::on_lines(job, stream, lines);
  }
  void on_finish(const Job& job, const JobResult& result) override;
  void flush() override;

 private:
  StatusLine& status_;
  std::string buf_;
};

/// Forwards every event to several sinks in order.
class FanoutSink : public EventSink {
 public:
  explicit FanoutSink(std::vector<EventSink*> sinks)
      : sinks_(std::move(sinks)) {}
  void on_start(const Job& job) override;
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream, std::string_view lines) override;
  void on_file_record(const Job& job, std::string_view file,
                      std::string_view data_json) override;
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override;
  void flush() override;
  void on_tick() override;
  void on_held(std::string_view why) override;

 private:
  std::vector<EventSink*> sinks_;
};

}  // namespace sweep
