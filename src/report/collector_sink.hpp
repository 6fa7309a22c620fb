#pragma once

// sweep run --report: a running sweep's events reach the collector as the
// very records the result stream gets, built by the one writer and read by
// the one reader, so a report of a run and of its stream agree.

#include <string>

#include "core/job.hpp"
#include "report/collect.hpp"

namespace sweep::report {

/// Job events as the records the result stream gets: written by the one
/// writer, read back by the one reader.
class EventRecords {
 public:
  /// `fields`: what the reader decodes (kField*).
  explicit EventRecords(unsigned fields) : reader_(fields) {}
  /// The record of one line, valid until the next call.
  const Record* line(const Job& job, Stream stream, std::string_view line);
  /// The end record of a job, valid until the next call.
  const Record* end(const Job& job, const JobResult& result);

 private:
  const Record* read();
  RecordReader reader_;
  Record record_;
  std::string buf_;  ///< The record being read, reused.
};

/// Feeds every job event (stdout and stderr lines, ends) to a Collector.
class CollectorSink : public EventSink {
 public:
  explicit CollectorSink(Collector& collector)
      : collector_(collector), records_(Collector::kFields) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_finish(const Job& job, const JobResult& result) override;

 private:
  Collector& collector_;
  EventRecords records_;
};

}  // namespace sweep::report
