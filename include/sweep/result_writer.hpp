#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sweep/job.hpp"
#include "sweep/output_stream.hpp"

namespace sweep {

/// Writes the result stream: one record per stdout line of a job and one
/// when it ends. Implementations differ only in format.
class ResultWriter : public EventSink {};

/// The JSON Lines result stream (format in README.md). Each record is built
/// whole and then appended, so records never tear or mix.
class JsonlWriter : public ResultWriter {
 public:
  explicit JsonlWriter(OutputStream& out) : out_(out) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override { return out_.closed(); }
  void flush() override { out_.flush(); }

 private:
  void begin_record(const Job& job);
  OutputStream& out_;
};

/// Passes each job's stderr lines through to a stream, prefixed `[job] `.
class StderrRelay : public EventSink {
 public:
  explicit StderrRelay(OutputStream& err) : err_(err) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_finish(const Job& job, const JobResult& result) override;
  void flush() override { err_.flush(); }

 private:
  OutputStream& err_;
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

 private:
  std::vector<EventSink*> sinks_;
};

/// Appends a duration in seconds, rounded to the microsecond.
void append_seconds(std::string& out, double seconds);

}  // namespace sweep
