#include "batchify/data_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "batchify/json_check.hpp"
#include "sweep/error.hpp"

namespace sweep {

namespace {

constexpr size_t kBufferSize = 1 << 20;

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

DataReader::DataReader(int fd, DataFormat format, std::string name)
    : fd_(fd), format_(format), name_(std::move(name)), buf_(kBufferSize) {}

bool DataReader::fill() {
  if (eof_) return false;
  // Keep the unconsumed tail; grow when one record fills the buffer.
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    base_ += pos_;
    scan_ -= pos_;
    len_ -= pos_;
    pos_ = 0;
  }
  if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);
  while (true) {
    ssize_t n = ::read(fd_, buf_.data() + len_, buf_.size() - len_);
    if (n > 0) {
      len_ += n;
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno != EINTR)
      throw Error(name_ + ": cannot read: " + std::strerror(errno));
  }
}

size_t DataReader::find_end(size_t from) {
  const char* b = buf_.data();
  switch (format_) {
    case DataFormat::kText:
    case DataFormat::kJsonl: {
      const void* nl = std::memchr(b + from, '\n', len_ - from);
      return nl ? static_cast<const char*>(nl) - b + 1 : std::string_view::npos;
    }
    case DataFormat::kCsv:
    case DataFormat::kTsv:
      // RFC 4180: a newline inside a quoted field belongs to the record; a
      // doubled quote inside quotes toggles twice and so changes nothing.
      for (size_t i = from; i < len_; ++i) {
        if (b[i] == '"')
          in_quotes_ = !in_quotes_;
        else if (b[i] == '\n' && !in_quotes_)
          return i + 1;
      }
      return std::string_view::npos;
    default:
      // A JSON array element ends at a ',' or ']' outside strings at depth 0.
      for (size_t i = from; i < len_; ++i) {
        char c = b[i];
        if (in_quotes_) {
          if (escape_)
            escape_ = false;
          else if (c == '\\')
            escape_ = true;
          else if (c == '"')
            in_quotes_ = false;
        } else if (c == '"') {
          in_quotes_ = true;
        } else if (c == '[' || c == '{') {
          ++depth_;
        } else if (c == ']' || c == '}') {
          if (depth_ == 0) return i;
          --depth_;
        } else if (c == ',' && depth_ == 0) {
          return i;
        }
      }
      return std::string_view::npos;
  }
}

// Moves pos_ to `to`, keeping the line it is on and where that line starts.
void DataReader::advance(size_t to) {
  const char* b = buf_.data();
  if (auto n = std::count(b + pos_, b + to, '\n')) {
    line_ += n;
    auto* last = static_cast<const char*>(memrchr(b + pos_, '\n', to - pos_));
    line_start_ = base_ + (last - b) + 1;
  }
  pos_ = to;
}

void DataReader::skip_blanks() {
  while (true) {
    size_t i = pos_;
    while (i < len_ && is_blank(buf_[i])) ++i;
    advance(i);
    if (pos_ < len_ || !fill()) return;
  }
}

// Throws Error naming the line and column (in bytes) of buf_[at], at or
// after pos_.
void DataReader::fail(size_t at, const std::string& what) const {
  const char* b = buf_.data();
  std::uint64_t line = line_ + std::count(b + pos_, b + at, '\n');
  std::uint64_t line_start = line_start_;
  if (line != line_)
    line_start =
        base_ +
        (static_cast<const char*>(memrchr(b + pos_, '\n', at - pos_)) - b) + 1;
  throw Error(name_ + ":" + std::to_string(line) + ":" +
              std::to_string(base_ + at - line_start + 1) + ": " + what);
}

// Finds where the record at pos_ ends, reading on as needed. At the end of
// the input that is len_ (a last line without a newline), unless a CSV quote
// or the JSON array is still open.
size_t DataReader::scan_record() {
  record_line_ = line_;
  scan_ = pos_;
  in_quotes_ = escape_ = false;
  depth_ = 0;
  size_t end;
  while ((end = find_end(scan_)) == std::string_view::npos) {
    scan_ = len_;
    if (fill()) continue;
    if (format_ == DataFormat::kJsonArray)
      fail(pos_, "unterminated JSON array");
    if (in_quotes_)
      throw Error(name_ + ":" + std::to_string(record_line_) +
                  ": unterminated quoted field (a '\"' is never closed)");
    return len_;
  }
  return end;
}

bool DataReader::next(std::string_view& record) {
  if (format_ == DataFormat::kJsonArray) return next_element(record);
  return next_line_record(record);
}

bool DataReader::next_line_record(std::string_view& record) {
  if (pos_ >= len_ && !fill()) return false;
  size_t end = scan_record();
  record = std::string_view(buf_.data() + pos_, end - pos_);
  record_end_ = base_ + end;
  advance(end);
  return true;
}

// Consumes the opening '['; false for an empty array.
bool DataReader::open_array() {
  skip_blanks();
  if (pos_ >= len_ || buf_[pos_] != '[') fail(pos_, "expected a JSON array");
  array_open_ = true;
  advance(pos_ + 1);
  skip_blanks();
  if (pos_ >= len_ || buf_[pos_] != ']') return true;
  advance(pos_ + 1);
  array_closed_ = true;
  expect_end();
  return false;
}

// Only blanks may follow the closing ']': text after it would be lost.
void DataReader::expect_end() {
  if (at_end_) return;
  skip_blanks();
  if (pos_ < len_)
    fail(pos_, "malformed JSON array: text after its closing ']'");
  at_end_ = true;
}

// The scan found where an element ends, not that it is one JSON value:
// check that too, so that no part holds text that is not JSON.
void DataReader::check_element(size_t end) const {
  auto fault =
      check_json_value(std::string_view(buf_.data() + pos_, end - pos_));
  if (fault) fail(pos_ + fault->at, "malformed JSON array: " + fault->reason);
}

bool DataReader::next_element(std::string_view& record) {
  if (array_closed_) {
    expect_end();
    return false;
  }
  if (!array_open_ && !open_array()) return false;
  skip_blanks();
  if (pos_ >= len_) fail(pos_, "unterminated JSON array");
  size_t sep = scan_record();
  size_t end = sep;
  while (end > pos_ && is_blank(buf_[end - 1])) --end;
  if (end == pos_) fail(sep, "empty JSON array element");
  if (buf_[sep] == '}')
    fail(sep, "malformed JSON array: unexpected '}'; expected ',' or ']'");
  check_element(end);
  record = std::string_view(buf_.data() + pos_, end - pos_);
  record_end_ = base_ + end;
  array_closed_ = buf_[sep] == ']';
  advance(sep + 1);
  return true;
}

}  // namespace sweep
