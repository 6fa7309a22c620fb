#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sweep/job.hpp"
#include "sweep/output_stream.hpp"
#include "sweep/status_line.hpp"

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
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override { return out_.closed(); }
  void flush() override { out_.flush(); }

 private:
  void begin_record(const Job& job);
  OutputStream& out_;
  bool stderr_records_;
};

/// Passes each job's stderr lines through to sweep's stderr, prefixed
/// `[job] `, above the live status line if there is one.
class StderrRelay : public EventSink {
 public:
  explicit StderrRelay(StatusLine& status) : status_(status) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
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
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override;
  void flush() override;
  void on_tick() override;

 private:
  std::vector<EventSink*> sinks_;
};

/// Appends a duration in seconds, rounded to the microsecond.
void append_seconds(std::string& out, double seconds);

/// Appends how a job ended as JSON members (`,"exit":0,"duration_s":...`),
/// as end records, status files and the journal write them.
void append_end_fields(std::string& out, const JobResult& result);

}  // namespace sweep
