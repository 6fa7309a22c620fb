#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/job.hpp"
#include "output/output_stream.hpp"
#include "sweep/value.hpp"

namespace sweep {

/// Appends one JSON object per finished job to a file, and makes it durable
/// (fdatasync) before sweep waits again: a crash or kill -9 loses at most
/// the jobs that were running. Jobs stopped by sweep are not recorded.
class JournalWriter : public EventSink {
 public:
  /// Opens path for appending; throws Error naming it.
  explicit JournalWriter(const std::string& path);
  void on_line(const Job&, Stream, std::string_view) override {}
  void on_lines(const Job&, Stream, std::string_view) override {}
  void on_finish(const Job& job, const JobResult& result) override;
  void flush() override;

 private:
  OutputStream out_;
  bool dirty_ = false;
};

/// A set of job keys: open addressing on the keys' own (random) bits, one
/// cache miss per lookup even with millions of keys.
class KeySet {
 public:
  /// Makes room for n keys at once (saves rehashing while loading).
  void reserve(size_t n);
  void insert(const JobKey& key);
  /// Inserts many keys, sized once and with their slots prefetched.
  void insert_all(const std::vector<JobKey>& keys);
  bool contains(const JobKey& key) const;
  size_t size() const { return size_; }

 private:
  void grow();
  std::vector<JobKey> slots_;  ///< {0, 0} marks an empty slot.
  size_t size_ = 0;
  bool has_zero_ = false;  ///< The key {0, 0} itself, kept aside.
};

/// What a journal says was done.
class JournalIndex {
 public:
  /// Reads a journal. A missing file is an empty journal; a torn or
  /// unreadable line is skipped and reported through warn.
  static JournalIndex load(const std::string& path,
                           const std::function<void(const std::string&)>& warn);
  /// True if a job with this key succeeded.
  bool succeeded(const JobKey& key) const;
  /// True if a job with this key failed (after all its attempts).
  bool failed(const JobKey& key) const;
  /// True if a job with this key was pruned (--prune).
  bool pruned(const JobKey& key) const;
  /// True if a resumed run skips the job: it succeeded, or failed (unless
  /// `rerun_failed`), or was pruned (unless `rerun_pruned`).
  bool skips(const JobKey& key, bool rerun_failed, bool rerun_pruned) const {
    return succeeded(key) || (!rerun_failed && failed(key)) ||
           (!rerun_pruned && pruned(key));
  }
  /// The value that ranked a --halving trial in its rung, if it had one.
  std::optional<double> rung_value(const JobKey& key) const;
  /// Records read.
  std::uint64_t records() const { return records_; }

 private:
  struct KeyHash {
    std::size_t operator()(const JobKey& k) const { return k.lo; }
  };
  KeySet ok_, failed_, pruned_;
  std::unordered_map<JobKey, double, KeyHash> rung_values_;
  std::uint64_t records_ = 0;
};

}  // namespace sweep
