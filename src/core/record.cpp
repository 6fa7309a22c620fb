// The one reader of sweep's records, on simdjson's DOM API: it picks the
// best kernel for the CPU at run time (On-Demand fixes it at compile time,
// which without -march is the slow scalar one). A field the caller did not
// ask for is not decoded.
#include "sweep/record.hpp"

#include <fcntl.h>
#include <signal.h>
#include <simdjson.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "sweep/error.hpp"

namespace sweep {

namespace dom = simdjson::dom;

bool JobResult::killed_from_outside() const {
  return !timeout &&
         (signal == SIGTERM || signal == SIGINT || signal == SIGHUP);
}

std::string signal_name(int sig) {
  // sigabbrev_np is glibc 2.32+, which Debian 12 has.
  char buf[32];
  if (const char* abbrev = sigabbrev_np(sig))
    std::snprintf(buf, sizeof buf, "SIG%s", abbrev);
  else
    std::snprintf(buf, sizeof buf, "SIG%d", sig);
  return buf;
}

int signal_number(std::string_view name) {
  if (name.substr(0, 3) != "SIG") return 0;
  for (int sig = 1; sig < NSIG; ++sig)
    if (signal_name(sig) == name) return sig;
  return 0;
}

namespace {

// What the fields of one object said, before it is known which kind it is.
struct Seen {
  bool job = false, line = false, end = false, key = false, file = false;
  bool params_b64 = false, data = false;  ///< Rare: looked up only if seen.
};

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The raw text of a top-level member's value in a valid JSON object, found by
// walking the object's top level (strings skipped with their escapes).
std::string_view raw_member(std::string_view json, std::string_view key) {
  size_t i = json.find('{') + 1, n = json.size();
  auto skip_ws = [&] {
    while (i < n && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' ||
                     json[i] == '\r'))
      ++i;
  };
  auto skip_string = [&] {  // at the opening quote; returns past the closing
    for (++i; i < n && json[i] != '"'; ++i)
      if (json[i] == '\\') ++i;
    ++i;
  };
  while (i < n) {
    skip_ws();
    if (i >= n || json[i] != '"') return {};
    size_t k = i;
    skip_string();
    std::string_view name = json.substr(k + 1, i - k - 2);
    skip_ws();
    ++i;  // ':'
    skip_ws();
    size_t v = i;
    int depth = 0;
    for (; i < n; ++i) {
      char c = json[i];
      if (c == '"') {
        skip_string();
        --i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth-- == 0) break;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (name == key) {  // keys sweep writes need no unescaping
      size_t e = i;
      while (e > v && (blank(json[e - 1]) || json[e - 1] == '\n')) --e;
      return json.substr(v, e - v);
    }
    ++i;  // ',' or the final '}'
  }
  return {};
}

template <class T>
bool get(dom::element v, T& out) {
  return v.get(out) == simdjson::SUCCESS;
}

bool get_unsigned(dom::element v, unsigned& out) {
  std::uint64_t u = 0;
  if (!get(v, u) || u > 0xffffffffu) return false;
  out = static_cast<unsigned>(u);
  return true;
}

// One end-record field into r; false if it has the wrong type.
bool read_result_field(std::string_view k, dom::element v, JobResult& r) {
  std::int64_t i = 0;
  std::string_view s;
  if (k == "exit") {
    if (!get(v, i)) return false;
    r.exit_code = static_cast<int>(i);
  } else if (k == "signal") {
    if (!get(v, s)) return false;
    r.signal = signal_number(s);
    if (!r.signal) return false;
  } else if (k == "timeout") {
    return get(v, r.timeout);
  } else if (k == "stopped") {
    return get(v, r.stopped);
  } else if (k == "leftover_killed") {
    return get(v, r.leftover_killed);
  } else if (k == "retrying") {
    return get(v, r.will_retry);
  } else if (k == "memory_stopped") {
    return get(v, r.memory_stopped);
  } else if (k == "duration_s") {
    return get(v, r.duration_s);
  } else if (k == "cpu_user_s") {
    return get(v, r.cpu_user_s);
  } else if (k == "cpu_sys_s") {
    return get(v, r.cpu_sys_s);
  } else if (k == "max_rss_kb") {
    if (!get(v, i)) return false;
    r.max_rss_kb = static_cast<long>(i);
  } else if (k == "error") {
    if (!get(v, s)) return false;
    r.error.assign(s);
  } else if (k == "collect_missing" || k == "collect_refused" || k == "gpus") {
    auto& list = k == "collect_missing"   ? r.collect_missing
                 : k == "collect_refused" ? r.collect_refused
                                          : r.gpus;
    dom::array a;
    if (!get(v, a)) return false;
    for (dom::element e : a) {
      if (!get(e, s)) return false;
      list.emplace_back(s);
    }
  }
  return true;
}

bool is_result_field(std::string_view k) {
  return k == "exit" || k == "signal" || k == "timeout" || k == "stopped" ||
         k == "leftover_killed" || k == "retrying" || k == "duration_s" ||
         k == "cpu_user_s" || k == "cpu_sys_s" || k == "max_rss_kb" ||
         k == "error" || k == "collect_missing" || k == "collect_refused" ||
         k == "memory_stopped" || k == "gpus";
}

// One field into out; false (with why) if it has the wrong type.
bool read_field(std::string_view k, dom::element v, unsigned fields,
                Record& out, Seen& seen, std::string& why) {
  bool ok = true;
  if (k == "job") {
    seen.job = true;
    ok = get(v, out.job);
  } else if (k == "line") {
    seen.line = true;
    if (fields & kFieldLine) ok = get(v, out.line);
  } else if (k == "file") {
    seen.file = true;
    if (fields & kFieldLine) ok = get(v, out.file);
  } else if (k == "exit" || k == "signal") {
    seen.end = true;
    if (fields & kFieldResult) ok = read_result_field(k, v, out.result);
  } else if (k == "key") {
    seen.key = true;
    std::string_view hex;
    if (fields & kFieldJournal)
      ok = get(v, hex) && JobKey::from_hex(hex, out.key);
  } else if (k == "params" || k == "data" || k == "params_b64") {
    ok = v.is_object();
    seen.params_b64 |= k == "params_b64";
    seen.data |= k == "data";
  } else if (k == "rep") {
    ok = get(v, out.rep);
  } else if (k == "attempt" || k == "attempts") {
    ok = get_unsigned(v, out.attempt);
  } else if (k == "stream") {
    std::string_view s;
    ok = get(v, s) && (s == "stderr" || s == "stdout");
    out.stream = s == "stderr" ? Stream::kStderr : Stream::kStdout;
  } else if (k == "ok") {
    if (fields & kFieldJournal) ok = get(v, out.ok);
  } else if (k == "time") {
    if (fields & kFieldJournal) ok = get(v, out.time);
  } else if (is_result_field(k) && (fields & kFieldResult)) {
    ok = read_result_field(k, v, out.result);
  }
  if (!ok) why = "field \"" + std::string(k) + "\" has the wrong type";
  return ok;
}

}  // namespace

namespace {

// The numbers of a line's data object, flattened ("a.b"); its storage is
// reused from record to record, so a reader allocates only while it grows.
class DataNumbers {
 public:
  std::span<const DataNumber> read(dom::object data) {
    items_.clear();
    names_.clear();
    ends_.clear();
    path_.clear();
    walk(data);
    std::string_view all(names_);
    for (size_t i = 0, from = 0; i < items_.size(); from = ends_[i++])
      items_[i].name = all.substr(from, ends_[i] - from);
    return items_;
  }

 private:
  void walk(dom::object obj) {
    size_t prefix = path_.size();
    for (dom::key_value_pair field : obj) {
      path_.resize(prefix);
      if (prefix) path_ += '.';
      path_ += field.key;
      dom::object inner;
      double value = 0;
      if (field.value.get(inner) == simdjson::SUCCESS) {
        walk(inner);
      } else if (field.value.is_number() &&
                 field.value.get_double().get(value) == simdjson::SUCCESS) {
        names_ += path_;
        ends_.push_back(names_.size());
        items_.push_back(DataNumber{{}, value});
      }
    }
    path_.resize(prefix);
  }

  std::vector<DataNumber> items_;
  std::string names_;         ///< Every name, one after the other.
  std::vector<size_t> ends_;  ///< Where each name ends in names_.
  std::string path_;          ///< The name being built.
};

// Fills out from one parsed object whose text is `text` (padded memory that
// outlives out's views); false with why if it is not a record. `data`
// holds the numbers of data when fields asks for them.
bool fill(dom::object obj, std::string_view text, unsigned fields, Record& out,
          std::string& why, DataNumbers& data) {
  out = Record{};
  Seen seen;
  for (dom::key_value_pair field : obj)
    if (!read_field(field.key, field.value, fields, out, seen, why))
      return false;
  if (!seen.job) {
    why = "no \"job\" field";
    return false;
  }
  if (fields & kFieldParams) {
    out.params_json = raw_member(text, "params");
    if (seen.params_b64) out.params_b64_json = raw_member(text, "params_b64");
  }
  if ((fields & kFieldLine) && (seen.line || seen.file) && seen.data)
    out.data_json = raw_member(text, "data");
  dom::object d;
  if ((fields & kFieldData) && (seen.line || seen.file) && seen.data &&
      obj["data"].get(d) == simdjson::SUCCESS)
    out.data_numbers = data.read(d);
  out.has_key = seen.key;
  out.kind = seen.key                 ? RecordKind::kJournal
             : seen.line || seen.file ? RecordKind::kLine
             : seen.end               ? RecordKind::kEnd
                                      : RecordKind::kGrid;
  return true;
}

}  // namespace

struct RecordReader::Impl {
  dom::parser parser;
  std::vector<char> buf;  ///< The line, copied with simdjson's padding.
  DataNumbers data;       ///< The numbers of the last line's data.
};

RecordReader::RecordReader(unsigned fields)
    : impl_(std::make_unique<Impl>()), fields_(fields) {}
RecordReader::~RecordReader() = default;
RecordReader::RecordReader(RecordReader&&) noexcept = default;
RecordReader& RecordReader::operator=(RecordReader&&) noexcept = default;

bool RecordReader::parse(std::string_view line, Record& out) {
  auto& buf = impl_->buf;
  if (buf.size() < line.size() + simdjson::SIMDJSON_PADDING)
    buf.resize(line.size() + simdjson::SIMDJSON_PADDING);
  memcpy(buf.data(), line.data(), line.size());
  dom::object obj;
  if (impl_->parser.parse(buf.data(), line.size(), false).get(obj)) {
    out = Record{};
    why_ = "not a JSON object";
    return false;
  }
  return fill(obj, std::string_view(buf.data(), line.size()), fields_, out,
              why_, impl_->data);
}

namespace {

// One document of a parse_many batch stands alone on its line.
bool alone_on_line(std::string_view block, std::string_view doc) {
  size_t b = static_cast<size_t>(doc.data() - block.data());
  size_t e = b + doc.size();
  while (b > 0 && blank(block[b - 1])) --b;
  while (e < block.size() && blank(block[e])) ++e;
  return (b == 0 || block[b - 1] == '\n') &&
         (e == block.size() || block[e] == '\n');
}

}  // namespace

// Reads a file in large blocks of whole lines. Each block's lines go through
// simdjson's parse_many (the structure of many small records at SIMD speed),
// checked to be one record a line. Anything unusual (a line that is
// not a record, two documents on one line, a line longer than a batch, a
// torn last line) sends the rest of the block through the line-by-line
// reader, which names the line.
class RecordFileReader {
 public:
  RecordFileReader(const std::string& path, unsigned fields, const RecordFn& fn)
      : path_(path), fields_(fields), fn_(fn), lines_(fields) {}

  ReadSummary run() {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path_ + ": cannot read: " + std::strerror(errno));
    try {
      read_all(fd);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    return summary_;
  }

 private:
  static constexpr size_t kBlock = 4 << 20, kBatch = 1 << 20;
  struct Entry {
    std::string_view text;
    std::uint64_t number;  ///< 1-based line number in the file.
    bool torn;             ///< The file's last line, without its newline.
  };
  // A buffer with simdjson's padding, not zeroed.
  struct Buffer {
    std::unique_ptr<char[]> data;
    size_t cap = 0;
    void grow(size_t n, size_t keep) {
      if (n <= cap) return;
      auto bigger = std::make_unique_for_overwrite<char[]>(
          n + simdjson::SIMDJSON_PADDING);
      if (keep) std::memcpy(bigger.get(), data.get(), keep);
      data = std::move(bigger);
      cap = n;
    }
  };

  void read_all(int fd) {
    Buffer buf;
    buf.grow(kBlock, 0);
    size_t have = 0;
    bool eof = false;
    while (!eof) {
      if (have == buf.cap) buf.grow(buf.cap * 2, have);  // a very long line
      ssize_t n = ::read(fd, buf.data.get() + have, buf.cap - have);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(path_ + ": cannot read: " + std::strerror(errno));
      eof = n == 0;
      have += static_cast<size_t>(n);
      const char* nl =
          static_cast<const char*>(memrchr(buf.data.get(), '\n', have));
      size_t end = eof  ? have
                   : nl ? static_cast<size_t>(nl - buf.data.get()) + 1
                        : 0;
      if (end == 0 && !eof) continue;
      block(std::string_view(buf.data.get(), end), eof);
      std::memmove(buf.data.get(), buf.data.get() + end, have - end);
      have -= end;
    }
  }

  // One block of whole lines (the last may lack its newline if `last`).
  void block(std::string_view b, bool last) {
    entries_.clear();
    full_.clear();
    for (size_t from = 0; from < b.size();) {
      size_t nl = b.find('\n', from);
      bool torn = nl == std::string_view::npos && last;
      size_t end = nl == std::string_view::npos ? b.size() : nl;
      std::string_view line = b.substr(from, end - from);
      ++line_;
      from = end + 1;
      size_t k = 0;
      while (k < line.size() && blank(line[k])) ++k;
      if (k == line.size()) {
        ++summary_.blank;
        continue;
      }
      entries_.push_back(Entry{line, line_, torn});
      full_.append(line).push_back('\n');
    }
    deliver();
  }

  // Hands every entry over in order: peeked ones as they are, the others
  // from one parse_many over their text, or one by one after any surprise.
  void deliver() {
    if (full_.empty()) return;  // only blank lines (the buffer may be null)
    full_buf_.grow(full_.size(), 0);
    std::memcpy(full_buf_.data.get(), full_.data(), full_.size());
    dom::document_stream docs;
    bool batch =
        !full_.empty() &&
        !many_.parse_many(full_buf_.data.get(), full_.size(), kBatch).get(docs);
    auto it = batch ? docs.begin() : dom::document_stream::iterator();
    std::string_view all(full_buf_.data.get(), full_.size());
    for (const Entry& e : entries_) {
      if (batch && it != docs.end() && next_doc(it, all, e)) {
        fn_(rec_, e.text);
        ++it;
        continue;
      }
      batch = false;
      one(e);
    }
  }

  // The next document of the batch as e's record; false if they differ.
  bool next_doc(dom::document_stream::iterator& it, std::string_view all,
                const Entry& e) {
    dom::element el;
    dom::object obj;
    if ((*it).get(el) || el.get(obj)) return false;
    std::string_view text = it.source();
    return alone_on_line(all, text) && text.size() <= e.text.size() &&
           fill(obj, text, fields_, rec_, why_, data_);
  }

  void one(const Entry& e) {
    if (lines_.parse(e.text, rec_)) {
      fn_(rec_, e.text);
    } else if (e.torn) {  // a torn last line: a writer was killed
      summary_.torn = true;
    } else {
      throw Error(path_ + ":" + std::to_string(e.number) +
                  ": not a sweep record (" + lines_.why() + ")");
    }
  }

  const std::string& path_;
  unsigned fields_;
  const RecordFn& fn_;
  RecordReader lines_;
  dom::parser many_;
  Record rec_;
  std::string why_;
  DataNumbers data_;  ///< The numbers of the current record's data.
  std::vector<Entry> entries_;
  std::string full_;        ///< The lines to parse, each with its newline.
  Buffer full_buf_;         ///< The same, padded for simdjson.
  std::uint64_t line_ = 0;  ///< Lines read so far.
  ReadSummary summary_;
};

ReadSummary read_records(const std::string& path, unsigned fields,
                         const RecordFn& fn) {
  return RecordFileReader(path, fields, fn).run();
}

}  // namespace sweep
