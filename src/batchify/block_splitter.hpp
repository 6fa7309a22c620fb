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

/// Counts the data records of fd (to its end, CSV header excluded).
std::uint64_t count_block_records(
    int fd, DataFormat format, const std::string& name,
    std::vector<std::uint32_t>* block_lines = nullptr);

}  // namespace sweep
