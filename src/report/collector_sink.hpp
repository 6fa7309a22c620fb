#pragma once

// sweep run --report: a running sweep's events reach the collector as the
// very records the result stream gets, built by the one writer and read by
// the one reader, so a report of a run and of its stream agree.

#include <string>

#include "core/job.hpp"
#include "report/collect.hpp"

namespace sweep::report {

/// Feeds every job event (stdout and stderr lines, ends) to a Collector.
class CollectorSink : public EventSink {
 public:
  explicit CollectorSink(Collector& collector)
      : collector_(collector), reader_(Collector::kFields) {}
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_finish(const Job& job, const JobResult& result) override;

 private:
  void feed();
  Collector& collector_;
  RecordReader reader_;
  Record record_;
  std::string buf_;  ///< The record being fed, reused.
};

}  // namespace sweep::report
