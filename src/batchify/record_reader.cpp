#include "batchify/record_reader.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sweep/error.hpp"

namespace sweep {

namespace {
constexpr size_t kBufferSize = 1 << 20;
}

DataReader::DataReader(int fd, DataFormat format, std::string name)
    : fd_(fd), format_(format), name_(std::move(name)), buf_(kBufferSize) {}

bool DataReader::fill() {
  if (eof_) return false;
  // Keep the unconsumed tail; grow when one record fills the buffer.
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
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

void DataReader::skip_json_separators() {
  while (true) {
    while (pos_ < len_ && std::strchr(" \t\r\n", buf_[pos_]) && buf_[pos_]) {
      if (buf_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ < len_ || !fill()) return;
  }
}

bool DataReader::next(std::string_view& record) {
  bool json = format_ == DataFormat::kJsonArray;
  if (json) {
    if (array_closed_) return false;
    skip_json_separators();
    if (!array_open_) {
      if (pos_ >= len_ || buf_[pos_] != '[')
        throw Error(name_ + ":" + std::to_string(line_) +
                    ": expected a JSON array");
      array_open_ = true;
      ++pos_;
      skip_json_separators();
      if (pos_ < len_ && buf_[pos_] == ']') {
        array_closed_ = true;
        return false;
      }
    }
  }
  if (pos_ >= len_ && !fill()) {
    if (json)
      throw Error(name_ + ":" + std::to_string(line_) +
                  ": unterminated JSON array");
    return false;
  }
  record_line_ = line_;
  scan_ = pos_;
  in_quotes_ = escape_ = false;
  depth_ = 0;
  size_t end;
  while ((end = find_end(scan_)) == std::string_view::npos) {
    scan_ = len_;
    if (!fill()) {
      if (json)
        throw Error(name_ + ":" + std::to_string(record_line_) +
                    ": unterminated JSON array");
      if (in_quotes_)
        throw Error(name_ + ":" + std::to_string(record_line_) +
                    ": unterminated quoted field (a '\"' is never closed)");
      end = len_;  // a last record without a newline
      break;
    }
  }
  for (size_t i = pos_; i < end; ++i) line_ += buf_[i] == '\n';
  record = std::string_view(buf_.data() + pos_, end - pos_);
  pos_ = end;
  if (json) {
    while (!record.empty() && std::strchr(" \t\r\n", record.back()))
      record.remove_suffix(1);
    if (record.empty())
      throw Error(name_ + ":" + std::to_string(line_) +
                  ": empty JSON array element");
    char sep = buf_[pos_++];
    if (sep == ']') array_closed_ = true;
  }
  return true;
}

}  // namespace sweep
