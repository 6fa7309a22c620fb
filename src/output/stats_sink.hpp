#pragma once

#include "core/job.hpp"
#include "sweep/stats.hpp"

namespace sweep {

/// Feeds a run's job events to its Stats.
class StatsSink : public EventSink {
 public:
  explicit StatsSink(Stats& stats) : stats_(stats) {}
  void on_start(const Job& job) override {
    if (job.attempt == 1) stats_.started();
  }
  void on_line(const Job&, Stream, std::string_view) override {}
  void on_lines(const Job&, Stream, std::string_view) override {}
  void on_finish(const Job&, const JobResult& result) override {
    stats_.finished(result);
  }

 private:
  Stats& stats_;
};

}  // namespace sweep
