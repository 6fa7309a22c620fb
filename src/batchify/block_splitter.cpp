#include "batchify/block_splitter.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sweep/error.hpp"

namespace sweep {
namespace {

// Small enough to stay in cache between the read and the write.
constexpr size_t kBlock = 1 << 17;

bool quoted(DataFormat f) {
  return f == DataFormat::kCsv || f == DataFormat::kTsv;
}

// Reads the next block; returns its size (0 at the end).
size_t read_block(int fd, char* buf, const std::string& name) {
  size_t got = 0;
  while (got < kBlock) {
    ssize_t n = ::read(fd, buf + got, kBlock - got);
    if (n > 0) {
      got += n;
      continue;
    }
    if (n == 0) break;
    if (errno != EINTR)
      throw Error(name + ": cannot read: " + std::strerror(errno));
  }
  return got;
}

// Scans for record ends. In CSV a newline ends a record only outside quotes;
// since "" toggles twice, the quote count's parity tells whether we are inside.
class Scanner {
 public:
  Scanner(DataFormat f) : quoted_(quoted(f)) {}
  /// Position just after the next record end in [from, len), or npos; keeps
  /// the quote parity and line count up to date through what it scanned.
  size_t next_end(const char* b, size_t from, size_t len) {
    size_t i = from;
    while (i < len) {
      const char* nl =
          static_cast<const char*>(std::memchr(b + i, '\n', len - i));
      size_t stop = nl ? static_cast<size_t>(nl - b) : len;
      if (quoted_) in_quotes_ ^= std::count(b + i, b + stop, '"') & 1;
      if (!nl) return std::string::npos;
      ++lines_;
      i = stop + 1;
      if (!in_quotes_) return i;
    }
    return std::string::npos;
  }
  /// Moves over [from, to) without looking for record ends (line counts
  /// are not kept: only the error path needs them, and it scans again).
  void skip(const char* b, size_t from, size_t to) {
    if (quoted_) in_quotes_ ^= std::count(b + from, b + to, '"') & 1;
  }
  bool in_quotes() const { return in_quotes_; }
  std::uint64_t lines() const { return lines_; }

 private:
  bool quoted_;
  bool in_quotes_ = false;
  std::uint64_t lines_ = 0;
};

}  // namespace

std::uint64_t count_block_records(int fd, DataFormat format,
                                  const std::string& name,
                                  std::vector<std::uint32_t>* block_lines) {
  std::vector<char> buf(kBlock);
  Scanner scan(format);
  std::uint64_t records = 0;
  bool pending = false;  // bytes after the last record end
  while (size_t len = read_block(fd, buf.data(), name)) {
    size_t i = 0;
    if (!quoted(format)) {
      // Lines: a vectorised count of newlines is all it takes.
      auto n = std::count(buf.data(), buf.data() + len, '\n');
      if (block_lines) block_lines->push_back(static_cast<std::uint32_t>(n));
      records += n;
      pending = buf[len - 1] != '\n';
      continue;
    }
    while ((i = scan.next_end(buf.data(), i, len)) != std::string::npos) {
      ++records;
      pending = i < len;
      if (i == len) break;
    }
    if (i == std::string::npos) pending = true;
  }
  if (pending) ++records;
  if (lseek(fd, 0, SEEK_SET) != 0) throw SystemError("lseek " + name, errno);
  return quoted(format) && records > 0 ? records - 1 : records;
}

std::uint64_t split_blocks(int fd, DataFormat format, const std::string& name,
                           const CutPlan& plan, const PartSink& sink,
                           std::string& header) {
  std::vector<char> buf(kBlock);
  Scanner scan(format);
  bool want_header = quoted(format);
  bool open = false;          // a part is open
  std::uint64_t records = 0;  // data records so far
  std::uint64_t in_part = 0, part = 0;
  std::uint64_t offset = 0;  // file offset of buf[0]
  std::size_t block = 0;     // index of the block being split
  std::uint64_t record_start_line = 1;
  bool mid_record = false;  // bytes of an unfinished record were seen
  auto target = [&]() -> std::uint64_t {
    if (plan.size) return plan.size;
    return part < plan.sizes.size() ? plan.sizes[part] : UINT64_MAX;
  };
  // The byte offset from which the current part may end (--by bytes).
  auto boundary = [&]() -> std::uint64_t {
    std::uint64_t data = plan.total_bytes - header.size();
    return part + 1 < plan.parts
               ? header.size() + data * (part + 1) / plan.parts
               : UINT64_MAX;
  };
  while (size_t len = read_block(fd, buf.data(), name)) {
    const char* b = buf.data();
    size_t start = 0;  // first byte of this block not yet written
    // Newlines in this block not yet passed (line formats, count modes).
    std::uint64_t nl_left = 0;
    if (!quoted(format) && !plan.parts)
      nl_left = block < plan.block_lines.size()
                    ? plan.block_lines[block]
                    : static_cast<std::uint64_t>(std::count(b, b + len, '\n'));
    ++block;
    if (want_header) {
      size_t end = scan.next_end(b, 0, len);
      header.append(b, end == std::string::npos ? len : end);
      if (end == std::string::npos) {
        offset += len;
        continue;
      }
      want_header = false;
      start = end;
    }
    size_t i = start;
    while (i < len) {
      if (!open) {
        sink.begin_part();
        open = true;
      }
      if (plan.parts) {
        // Copy up to the boundary wholesale, then cut at the next record end.
        std::uint64_t cut_from = boundary();
        if (cut_from >= offset + len) {
          scan.skip(b, i, len);
          i = len;
          break;
        }
        size_t at =
            cut_from > offset + i ? static_cast<size_t>(cut_from - offset) : i;
        scan.skip(b, i, at);
        size_t end = scan.next_end(b, at, len);
        if (end == std::string::npos) {
          i = len;  // the record crosses the block: keep looking in the next
          break;
        }
        sink.write(std::string_view(b + start, end - start));
        start = i = end;
        open = false;
        ++part;
        continue;
      }
      if (!quoted(format)) {
        // Lines: count a block's newlines at once; walk only the last part.
        std::uint64_t want = target() - in_part;
        if (nl_left < want) {  // the part goes on past this block
          records += nl_left;
          in_part += nl_left;
          mid_record = len > 0 && b[len - 1] != '\n';
          i = len;
          break;
        }
        size_t end = i;
        for (std::uint64_t k = want; k > 0; --k)
          end =
              static_cast<const char*>(std::memchr(b + end, '\n', len - end)) -
              b + 1;
        nl_left -= want;
        records += want;
        in_part += want;
        mid_record = false;
        i = end;
        sink.write(std::string_view(b + start, end - start));
        start = end;
        open = false;
        in_part = 0;
        ++part;
        continue;
      }
      size_t end = scan.next_end(b, i, len);
      if (end == std::string::npos) {
        mid_record = true;
        i = len;
        break;
      }
      mid_record = false;
      record_start_line = scan.lines() + 1;
      ++records;
      i = end;
      if (++in_part == target()) {
        sink.write(std::string_view(b + start, end - start));
        start = end;
        open = false;
        in_part = 0;
        ++part;
      }
    }
    if (start < len) {
      if (!open) {
        sink.begin_part();
        open = true;
      }
      sink.write(std::string_view(b + start, len - start));
      mid_record = mid_record || plan.parts;
    }
    offset += len;
  }
  if (scan.in_quotes()) {
    // Rare: scan again, record by record, to name the line it starts on.
    if (lseek(fd, 0, SEEK_SET) == 0) {
      Scanner again(format);
      record_start_line = 1;
      while (size_t len = read_block(fd, buf.data(), name))
        for (size_t i = 0;
             (i = again.next_end(buf.data(), i, len)) != std::string::npos;)
          record_start_line = again.lines() + 1;
    }
    throw Error(name + ":" + std::to_string(record_start_line) +
                ": unterminated quoted field (a '\"' is never closed)");
  }
  if (plan.parts) {
    // Records are not counted one by one here: lines are, and equal records
    // for line formats (0: unknown for CSV, whose records span lines).
    records = 0;
  } else if (mid_record) {
    ++records;  // a last record without a newline
  }
  return records;
}

}  // namespace sweep
