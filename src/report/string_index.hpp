#pragma once

// Strings to small numbers, for the collector's per-point lookups: open
// addressing over one arena of text, so a million points cost two
// allocations that grow, not a million nodes to allocate and free.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::report {

/// A map from strings to 32-bit values; insert-only.
class StringIndex {
 public:
  StringIndex() { rehash(64); }
  /// The value of key, or nullptr.
  const std::uint32_t* find(std::string_view key) const;
  /// Inserts key with value unless present; returns the value it has.
  std::uint32_t insert(std::string_view key, std::uint32_t value);
  /// Keys held.
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t offset = 0;  ///< Of the key in text_.
    std::uint32_t length = 0;
    std::uint32_t value = 0;
    bool used = false;
  };
  static std::uint64_t hash(std::string_view key);
  std::size_t probe(std::string_view key, std::uint64_t h) const;
  void rehash(std::size_t slots);
  std::vector<Slot> slots_;
  std::string text_;  ///< Every key, one after the other.
  std::size_t size_ = 0;
};

}  // namespace sweep::report
