#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/job.hpp"

namespace sweep {

/// Passes events on in job start order (--keep-order, GNU parallel's -k):
/// the oldest unfinished job streams straight through; later jobs are held
/// until every earlier one has finished, so only out-of-order output waits.
class OrderedSink : public EventSink {
 public:
  explicit OrderedSink(EventSink& next) : next_(next) {}
  void on_start(const Job& job) override;
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream, std::string_view lines) override;
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override { return next_.wants_stop(); }
  void flush() override { next_.flush(); }
  void on_tick() override { next_.on_tick(); }

 private:
  struct Event {
    enum class Kind { kStart, kLines, kFinish } kind;
    Stream stream = Stream::kStdout;
    std::string line;
    JobResult result;
    std::size_t attempt = 0;  ///< Index of its attempt in Held::attempts.
  };
  struct Held {
    std::vector<Job> attempts;  ///< Each attempt's job, as it was given.
    std::vector<Event> events;
    bool done = false;  ///< Its final result is among the events.
    /// The index of job's attempt in attempts, added if new.
    std::size_t attempt_of(const Job& job);
  };
  void advance();

  EventSink& next_;
  std::uint64_t head_ = 0;              ///< seq of the job allowed to stream.
  std::map<std::uint64_t, Held> held_;  ///< Later jobs' events, by seq.
};

}  // namespace sweep
