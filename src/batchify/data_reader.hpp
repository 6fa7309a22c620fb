// Reads a data file record by record with a fixed-size buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "batchify/batchify.hpp"

namespace sweep {

/// Yields the records of a data file as views into its buffer: lines (text,
/// JSON Lines), RFC 4180 records (CSV, TSV: a quoted field may hold
/// newlines), or the elements of a top-level JSON array. Memory stays at
/// the buffer size plus the longest record.
class DataReader {
 public:
  /// Reads fd (not owned); `name` names the input in errors.
  DataReader(int fd, DataFormat format, std::string name);
  /// The next record, with its line terminator (a JSON array element without
  /// its separator or surrounding blanks); false at the end. The view lasts
  /// until the next call. Throws Error naming the line (and for JSON the
  /// column) on an unterminated CSV quote or a malformed JSON array: an
  /// element that is not valid JSON, a missing ',' or ']', text after the
  /// array.
  bool next(std::string_view& record);
  /// 1-based line where the last record started.
  std::uint64_t line() const { return record_line_; }
  /// File offset just past the last record (for a JSON array element, past
  /// its last non-blank byte).
  std::uint64_t end_offset() const { return record_end_; }

 private:
  bool fill();
  bool next_line_record(std::string_view& record);
  bool next_element(std::string_view& record);
  bool open_array();
  void expect_end();
  size_t scan_record();
  size_t find_end(size_t from);  // end of the record starting at pos_, or npos
  void check_element(size_t end) const;
  void skip_blanks();
  void advance(size_t to);
  [[noreturn]] void fail(size_t at, const std::string& what) const;

  int fd_;
  DataFormat format_;
  std::string name_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;  ///< Unconsumed bytes are buf_[pos_, len_).
  std::uint64_t base_ = 0;    ///< File offset of buf_[0].
  bool eof_ = false;
  std::uint64_t line_ = 1;        ///< Line of buf_[pos_].
  std::uint64_t line_start_ = 0;  ///< File offset where that line starts.
  std::uint64_t record_line_ = 1, record_end_ = 0;
  bool array_open_ = false, array_closed_ = false, at_end_ = false;
  // Scan state kept across refills, so a long record is scanned once.
  size_t scan_ = 0;
  bool in_quotes_ = false, escape_ = false;
  int depth_ = 0;
};

}  // namespace sweep
