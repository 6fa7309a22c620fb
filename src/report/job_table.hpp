#pragma once

// The jobs the collector has seen start but not end, by number. A stream
// of a million jobs starts and ends each once: open addressing without
// nodes costs a probe or two and no allocation per job, where
// std::unordered_map allocated and freed one.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sweep::report {

/// A map from job numbers to 32-bit values: linear probing, deletion by
/// backward shift (no tombstones, so probes stay short).
class JobTable {
 public:
  JobTable() : slots_(kFirst) {}
  /// The job's value, inserting `value` if it is absent; true if inserted.
  std::pair<std::uint32_t*, bool> try_emplace(std::uint64_t job,
                                              std::uint32_t value);
  /// The job's value, or nullptr.
  const std::uint32_t* find(std::uint64_t job) const;
  /// Whether the job is in the table.
  bool contains(std::uint64_t job) const { return find(job) != nullptr; }
  /// Removes the job, if it is in the table.
  void erase(std::uint64_t job);
  /// Jobs held.
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kFirst = 16;
  struct Slot {
    std::uint64_t job = 0;
    std::uint32_t value = 0;
    bool used = false;
  };
  std::size_t probe(std::uint64_t job) const;
  std::size_t home(std::uint64_t job) const;
  void grow();
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace sweep::report
