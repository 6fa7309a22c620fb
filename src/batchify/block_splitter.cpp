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

// The line an unterminated quoted field's record starts on: rare, so found
// by scanning the input again, record by record (`fallback` when it cannot
// be read again, as a pipe).
std::uint64_t quote_start_line(int fd, DataFormat format,
                               const std::string& name,
                               std::uint64_t fallback) {
  if (lseek(fd, 0, SEEK_SET) != 0) return fallback;
  std::vector<char> buf(kBlock);
  Scanner again(format);
  std::uint64_t line = 1;
  while (size_t len = read_block(fd, buf.data(), name))
    for (size_t i = 0;
         (i = again.next_end(buf.data(), i, len)) != std::string::npos;)
      line = again.lines() + 1;
  return line;
}

}  // namespace

std::uint64_t byte_boundary(std::uint64_t data_start, std::uint64_t total_bytes,
                            std::uint64_t parts, std::uint64_t k) {
  if (k + 1 >= parts) return UINT64_MAX;
  std::uint64_t data = total_bytes > data_start ? total_bytes - data_start : 0;
  // 128 bits: data * (k + 1) overflows 64 for inputs of exabytes / parts.
  return data_start +
         static_cast<std::uint64_t>(static_cast<unsigned __int128>(data) *
                                    (k + 1) / parts);
}

std::vector<std::uint64_t> ByteCuts::sizes(std::uint64_t records) const {
  if (records < parts_) return balanced_sizes(records, parts_);  // one each
  std::vector<std::uint64_t> sizes;
  std::uint64_t prev = 0;  // records in the parts so far
  for (std::uint64_t k = 1; k < parts_; ++k) {
    // A boundary no record passed: cut as late as the parts after allow.
    std::uint64_t cut = k - 1 < cuts_.size() ? cuts_[k - 1] : records;
    cut = std::min(std::max(cut, prev + 1), records - (parts_ - k));
    sizes.push_back(cut - prev);
    prev = cut;
  }
  sizes.push_back(records - prev);
  return sizes;
}

namespace {

// Reports the byte boundaries inside a block of lines: each is passed by the
// record after the newlines before it.
void cut_lines(ByteCuts& cuts, const char* b, size_t len, std::uint64_t offset,
               std::uint64_t records) {
  size_t at = 0;
  for (std::uint64_t bound; (bound = cuts.next_boundary()) < offset + len;) {
    size_t to = static_cast<size_t>(bound - offset);
    records += std::count(b + at, b + to, '\n');
    at = to;
    cuts.cut_after(records + 1);
  }
}

// Lines: a vectorised count of newlines per block is all it takes.
std::uint64_t count_lines(int fd, const std::string& name,
                          std::vector<std::uint32_t>* block_lines,
                          ByteCuts* cuts) {
  std::vector<char> buf(kBlock);
  std::uint64_t records = 0, offset = 0;
  bool pending = false;  // bytes after the last newline
  while (size_t len = read_block(fd, buf.data(), name)) {
    auto n = std::count(buf.data(), buf.data() + len, '\n');
    if (block_lines) block_lines->push_back(static_cast<std::uint32_t>(n));
    if (cuts) cut_lines(*cuts, buf.data(), len, offset, records);
    records += n;
    pending = buf[len - 1] != '\n';
    offset += len;
  }
  return records + (pending ? 1 : 0);
}

// CSV and TSV: record ends are newlines outside quotes. The first record is
// the header; with `cuts`, the data starts after it.
std::uint64_t count_quoted(int fd, DataFormat format, const std::string& name,
                           ByteCuts* cuts) {
  std::vector<char> buf(kBlock);
  Scanner scan(format);
  std::uint64_t records = 0, offset = 0;
  bool pending = false;  // bytes after the last record end
  while (size_t len = read_block(fd, buf.data(), name)) {
    size_t i = 0;
    while ((i = scan.next_end(buf.data(), i, len)) != std::string::npos) {
      ++records;
      if (cuts && records == 1) cuts->set_data_start(offset + i);
      while (cuts && records > 1 && offset + i > cuts->next_boundary())
        cuts->cut_after(records - 1);
      pending = i < len;
      if (i == len) break;
    }
    if (i == std::string::npos) pending = true;
    offset += len;
  }
  if (pending) ++records;
  return records > 0 ? records - 1 : 0;
}

}  // namespace

std::uint64_t count_block_records(int fd, DataFormat format,
                                  const std::string& name,
                                  std::vector<std::uint32_t>* block_lines,
                                  ByteCuts* cuts) {
  std::uint64_t records = quoted(format)
                              ? count_quoted(fd, format, name, cuts)
                              : count_lines(fd, name, block_lines, cuts);
  if (lseek(fd, 0, SEEK_SET) != 0) throw SystemError("lseek " + name, errno);
  return records;
}

namespace {

// One split pass: the state that lives from block to block. run() reads the
// input and hands each block to the mode's loop, which writes whole slices
// of it and cuts only where a part ends.
class BlockSplitter {
 public:
  BlockSplitter(int fd, DataFormat format, const std::string& name,
                const CutPlan& plan, const PartSink& sink, std::string& header)
      : fd_(fd),
        format_(format),
        name_(name),
        plan_(plan),
        sink_(sink),
        header_(header),
        scan_(format),
        want_header_(quoted(format)) {}

  std::uint64_t run();

 private:
  // A block of input being split.
  struct Block {
    const char* b;
    size_t len;
    size_t start = 0;  ///< First byte not yet written.
    size_t pos = 0;    ///< First byte not yet scanned.
  };

  std::uint64_t newlines_in(const Block& blk);
  bool take_header(Block& blk);
  void split_by_bytes(Block& blk);
  void split_lines(Block& blk, std::uint64_t nl_left);
  void split_records(Block& blk);
  void write_tail(const Block& blk);
  void open_part();
  void end_part(Block& blk, size_t end);
  std::uint64_t target() const;
  std::uint64_t boundary() const;

  int fd_;
  DataFormat format_;
  const std::string& name_;
  const CutPlan& plan_;
  const PartSink& sink_;
  std::string& header_;
  Scanner scan_;
  bool want_header_;
  bool open_ = false;          ///< A part is open.
  std::uint64_t records_ = 0;  ///< Data records so far (count modes).
  std::uint64_t in_part_ = 0, part_ = 0;
  std::uint64_t offset_ = 0;  ///< File offset of the current block.
  std::size_t block_ = 0;     ///< Index of the current block.
  std::uint64_t record_start_line_ = 1;
  bool mid_record_ = false;  ///< Bytes of an unfinished record were seen.
};

std::uint64_t BlockSplitter::run() {
  std::vector<char> buf(kBlock);
  while (size_t len = read_block(fd_, buf.data(), name_)) {
    Block blk{buf.data(), len};
    std::uint64_t nl_left = newlines_in(blk);
    ++block_;
    if (!want_header_ || take_header(blk)) {
      if (plan_.parts)
        split_by_bytes(blk);
      else if (!quoted(format_))
        split_lines(blk, nl_left);
      else
        split_records(blk);
      write_tail(blk);
    }
    offset_ += len;
  }
  if (scan_.in_quotes())
    throw Error(name_ + ":" +
                std::to_string(
                    quote_start_line(fd_, format_, name_, record_start_line_)) +
                ": unterminated quoted field (a '\"' is never closed)");
  // --by bytes does not count records: 0 says so.
  if (plan_.parts) return 0;
  return records_ + (mid_record_ ? 1 : 0);  // a last record without '\n'
}

// Newlines in this block (line formats in count modes), from the count
// pass when it kept them.
std::uint64_t BlockSplitter::newlines_in(const Block& blk) {
  if (quoted(format_) || plan_.parts) return 0;
  if (block_ < plan_.block_lines.size()) return plan_.block_lines[block_];
  return static_cast<std::uint64_t>(std::count(blk.b, blk.b + blk.len, '\n'));
}

// Appends the CSV header's bytes; true once it is complete (the block then
// goes on after it).
bool BlockSplitter::take_header(Block& blk) {
  size_t end = scan_.next_end(blk.b, 0, blk.len);
  header_.append(blk.b, end == std::string::npos ? blk.len : end);
  if (end == std::string::npos) return false;
  want_header_ = false;
  blk.start = blk.pos = end;
  return true;
}

// --by bytes: copy up to the part's byte boundary wholesale, then cut at the
// next record end.
void BlockSplitter::split_by_bytes(Block& blk) {
  while (blk.pos < blk.len) {
    open_part();
    std::uint64_t cut_from = boundary();
    if (cut_from >= offset_ + blk.len) {
      scan_.skip(blk.b, blk.pos, blk.len);
      blk.pos = blk.len;
      return;
    }
    size_t at = cut_from > offset_ + blk.pos
                    ? static_cast<size_t>(cut_from - offset_)
                    : blk.pos;
    scan_.skip(blk.b, blk.pos, at);
    size_t end = scan_.next_end(blk.b, at, blk.len);
    if (end == std::string::npos) {
      blk.pos = blk.len;  // the record crosses the block: look in the next
      return;
    }
    end_part(blk, end);
  }
}

// Lines in count modes: a block's newlines are counted at once, and only a
// block where a part ends is walked, newline by newline.
void BlockSplitter::split_lines(Block& blk, std::uint64_t nl_left) {
  while (blk.pos < blk.len) {
    open_part();
    std::uint64_t want = target() - in_part_;
    if (nl_left < want) {  // the part goes on past this block
      records_ += nl_left;
      in_part_ += nl_left;
      mid_record_ = blk.b[blk.len - 1] != '\n';
      blk.pos = blk.len;
      return;
    }
    size_t end = blk.pos;
    for (std::uint64_t k = want; k > 0; --k)
      end = static_cast<const char*>(
                std::memchr(blk.b + end, '\n', blk.len - end)) -
            blk.b + 1;
    nl_left -= want;
    records_ += want;
    mid_record_ = false;
    end_part(blk, end);
  }
}

// CSV and TSV in count modes: record by record, since records span lines.
void BlockSplitter::split_records(Block& blk) {
  while (blk.pos < blk.len) {
    open_part();
    size_t end = scan_.next_end(blk.b, blk.pos, blk.len);
    if (end == std::string::npos) {
      mid_record_ = true;
      blk.pos = blk.len;
      return;
    }
    mid_record_ = false;
    record_start_line_ = scan_.lines() + 1;
    ++records_;
    blk.pos = end;
    if (++in_part_ == target()) end_part(blk, end);
  }
}

// The block's bytes after its last cut belong to the open part.
void BlockSplitter::write_tail(const Block& blk) {
  if (blk.start >= blk.len) return;
  open_part();
  sink_.write(std::string_view(blk.b + blk.start, blk.len - blk.start));
}

void BlockSplitter::open_part() {
  if (open_) return;
  sink_.begin_part();
  open_ = true;
}

// Writes the part's bytes up to `end` and closes it.
void BlockSplitter::end_part(Block& blk, size_t end) {
  sink_.write(std::string_view(blk.b + blk.start, end - blk.start));
  blk.start = blk.pos = end;
  open_ = false;
  in_part_ = 0;
  ++part_;
}

// Records in the current part (count modes).
std::uint64_t BlockSplitter::target() const {
  if (plan_.size) return plan_.size;
  return part_ < plan_.sizes.size() ? plan_.sizes[part_] : UINT64_MAX;
}

// The byte offset from which the current part may end (--by bytes).
std::uint64_t BlockSplitter::boundary() const {
  return byte_boundary(header_.size(), plan_.total_bytes, plan_.parts, part_);
}

}  // namespace

std::uint64_t split_blocks(int fd, DataFormat format, const std::string& name,
                           const CutPlan& plan, const PartSink& sink,
                           std::string& header) {
  return BlockSplitter(fd, format, name, plan, sink, header).run();
}

}  // namespace sweep
