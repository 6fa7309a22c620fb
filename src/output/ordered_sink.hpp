#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.hpp"
#include "output/spill_file.hpp"

namespace sweep {

/// Passes events on in job start order (--keep-order, GNU parallel's -k):
/// the oldest unfinished job streams straight through; later jobs are held
/// until every earlier one has finished, so only out-of-order output waits.
/// Held events are kept as bytes, at most max_held of them in memory in all;
/// beyond that they go to a temporary file (SpillFile) and are read back in
/// their turn, so memory stays bounded however much output waits.
class OrderedSink : public EventSink {
 public:
  /// The default bound on held bytes in memory.
  static constexpr std::size_t kMaxHeld = std::size_t{64} << 20;

  /// Passes events to next, holding at most max_held bytes in memory.
  explicit OrderedSink(EventSink& next, std::size_t max_held = kMaxHeld)
      : next_(next), max_held_(max_held) {}
  void on_start(const Job& job) override;
  void on_line(const Job& job, Stream stream, std::string_view line) override;
  void on_lines(const Job& job, Stream stream, std::string_view lines) override;
  void on_file_record(const Job& job, std::string_view file,
                      std::string_view data_json) override;
  void on_finish(const Job& job, const JobResult& result) override;
  bool wants_stop() const override { return next_.wants_stop(); }
  void flush() override { next_.flush(); }
  void on_tick() override { next_.on_tick(); }
  void on_held(std::string_view why) override { next_.on_held(why); }

  /// Bytes allocated for held events in memory now; never more than
  /// max_held. (The held jobs themselves, argv and parameters, are not
  /// counted.)
  std::size_t held_in_memory() const { return in_memory_; }
  /// Bytes of held events in the temporary file now.
  std::uint64_t held_on_disk() const { return on_disk_; }

 private:
  enum class Kind : std::uint8_t { kStart, kLines, kFinish, kFile };
  /// One attempt of a held job, as it was given, and how it ended.
  struct Attempt {
    Job job;
    JobResult result;  ///< Set by the attempt's finish event.
  };
  /// Bytes in the temporary file.
  struct Extent {
    std::uint64_t offset = 0, size = 0;
  };
  /// Encoded events in memory: one allocation, filled but never grown, as
  /// growing a string would copy it and briefly take twice the memory.
  struct Chunk {
    explicit Chunk(std::size_t capacity);
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
    std::size_t capacity;
    std::string_view view() const { return {bytes.get(), size}; }
  };
  struct Held {
    std::vector<Attempt> attempts;
    std::vector<Extent> spilled;  ///< The oldest events, in order, on disk.
    std::vector<Chunk> chunks;    ///< The newer events, in order, in memory.
    bool done = false;            ///< Its final result is among the events.
    /// The index of job's attempt in attempts, added if new.
    std::size_t attempt_of(const Job& job);
  };
  void hold(const Job& job, Kind kind, Stream stream, std::string_view lines,
            const JobResult* result = nullptr, std::uint16_t name = 0);
  void store(Held& h, std::string_view head, std::string_view lines);
  std::size_t next_chunk(const Held& h, std::size_t size) const;
  void add_extent(Held& h, Extent e);
  void spill_all();
  void advance();
  void replay(const Held& h);
  void replay_extent(const Held& h, Extent e);
  std::size_t replay_events(const Held& h, std::string_view bytes);

  EventSink& next_;
  std::size_t max_held_;
  std::uint64_t head_ = 0;              ///< seq of the job allowed to stream.
  std::map<std::uint64_t, Held> held_;  ///< Later jobs' events, by seq.
  std::size_t in_memory_ = 0;           ///< Sum of held_[*].chunks capacities.
  std::uint64_t on_disk_ = 0;           ///< Sum of held_[*].spilled sizes.
  SpillFile spill_;
};

}  // namespace sweep
