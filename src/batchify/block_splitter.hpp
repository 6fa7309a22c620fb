// Splits line-based and CSV/TSV data by scanning whole blocks, never record
// by record: the fast path of batchify_file for every format but JSON arrays.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "batchify/batchify.hpp"

namespace sweep {

/// Where the parts of one input end.
struct CutPlan {
  std::vector<std::uint64_t>
      sizes;                ///< Records per part (count mode), or empty.
  std::uint64_t size = 0;   ///< Records per part (--size), or 0.
  std::uint64_t parts = 0;  ///< Parts balanced by bytes (--by bytes), or 0.
  std::uint64_t total_bytes = 0;  ///< Input size, for --by bytes.
  /// Newlines per read block, from count_block_records (line formats): the
  /// split pass then walks only the blocks where a part ends.
  std::vector<std::uint32_t> block_lines;
};

/// The byte offset from which part k (0-based) of `parts` may end under
/// --by bytes: its share of the bytes after `data_start` (a CSV header).
/// UINT64_MAX for the last part, which takes the rest.
std::uint64_t byte_boundary(std::uint64_t data_start, std::uint64_t total_bytes,
                            std::uint64_t parts, std::uint64_t k);

/// Where --by bytes ends its parts when the one-pass rule (a part ends with
/// the first record that ends past its byte boundary) would leave later
/// parts empty: few records, or records longer than a share. A counting
/// pass reports where each boundary is passed; sizes() then keeps that rule
/// but moves a cut earlier when the records after it would be fewer than
/// the parts after it.
class ByteCuts {
 public:
  ByteCuts(std::uint64_t parts, std::uint64_t total_bytes)
      : parts_(parts), total_bytes_(total_bytes) {}
  /// The data starts at this offset (after a CSV header).
  void set_data_start(std::uint64_t offset) { data_start_ = offset; }
  /// The boundary of the next part; UINT64_MAX when no part is left to cut.
  std::uint64_t next_boundary() const {
    return byte_boundary(data_start_, total_bytes_, parts_, cuts_.size());
  }
  /// Data record `record` (1-based) is the first to end past next_boundary().
  void cut_after(std::uint64_t record) { cuts_.push_back(record); }
  /// Records per part for `records` records: min(parts, records) parts,
  /// none empty.
  std::vector<std::uint64_t> sizes(std::uint64_t records) const;

 private:
  std::uint64_t parts_, total_bytes_, data_start_ = 0;
  std::vector<std::uint64_t> cuts_;  ///< The record after which part k ends.
};

/// Receives the output: begin_part(header) opens a part and writes the
/// header; write(bytes) appends to it.
struct PartSink {
  std::function<void()> begin_part;
  std::function<void(std::string_view)> write;
};

/// Reads fd to its end and cuts it into parts as planned. Returns the number
/// of data records (the CSV header excluded) and fills `header`. Throws Error
/// naming `name` and the line of an unterminated quote.
std::uint64_t split_blocks(int fd, DataFormat format, const std::string& name,
                           const CutPlan& plan, const PartSink& sink,
                           std::string& header);

/// Counts the data records of fd (to its end, CSV header excluded) and
/// rewinds it. Keeps the newlines of each block in `block_lines` (line
/// formats) and reports where records pass byte boundaries to `cuts`, when
/// given.
std::uint64_t count_block_records(
    int fd, DataFormat format, const std::string& name,
    std::vector<std::uint32_t>* block_lines = nullptr,
    ByteCuts* cuts = nullptr);

}  // namespace sweep
