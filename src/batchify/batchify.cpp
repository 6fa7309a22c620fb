#include "batchify/batchify.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "batchify/block_splitter.hpp"
#include "batchify/data_reader.hpp"
#include "sweep/error.hpp"
#include "output/output_stream.hpp"

namespace sweep {

namespace fs = std::filesystem;

DataFormat parse_format(const std::string& name) {
  if (name == "text" || name == "txt") return DataFormat::kText;
  if (name == "csv") return DataFormat::kCsv;
  if (name == "tsv") return DataFormat::kTsv;
  if (name == "jsonl" || name == "ndjson") return DataFormat::kJsonl;
  if (name == "json")
    return DataFormat::kJsonArray;  // or a dict: decided by content
  throw Error("--format " + name + ": expected text, csv, tsv, jsonl or json");
}

DataFormat format_from_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".csv") return DataFormat::kCsv;
  if (ext == ".tsv") return DataFormat::kTsv;
  if (ext == ".jsonl" || ext == ".ndjson") return DataFormat::kJsonl;
  if (ext == ".json") return DataFormat::kJsonArray;
  return DataFormat::kText;
}

std::vector<std::uint64_t> balanced_sizes(std::uint64_t total,
                                          std::uint64_t n) {
  if (n > total) n = total;
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t i = 0; i < n; ++i)
    sizes.push_back(total / n + (i < total % n ? 1 : 0));
  return sizes;
}

std::vector<nlohmann::ordered_json> batchify_dict(
    const nlohmann::ordered_json& dict, std::uint64_t n, std::uint64_t size,
    const std::string& source) {
  if (!dict.is_object())
    throw Error(source + ": batchify needs a JSON object of lists, not " +
                std::string(dict.type_name()));
  std::string longest;
  size_t best = 0;
  bool found = false;
  for (const auto& [key, value] : dict.items())
    if (value.is_array() && (!found || value.size() > best)) {
      longest = key;
      best = value.size();
      found = true;
    }
  if (!found) throw Error(source + ": the object has no list to split");
  std::vector<std::uint64_t> sizes;
  if (size)
    for (std::uint64_t left = best; left > 0; left -= std::min(left, size))
      sizes.push_back(std::min(left, size));
  else
    sizes = balanced_sizes(best, n);
  std::vector<nlohmann::ordered_json> batches;
  const auto& items = dict[longest];
  std::uint64_t start = 0;
  for (std::uint64_t s : sizes) {
    nlohmann::ordered_json batch = nlohmann::ordered_json::object();
    for (const auto& [key, value] : dict.items()) {
      if (key == longest)
        batch[key] = nlohmann::ordered_json(items.begin() + start,
                                            items.begin() + start + s);
      else
        batch[key] = value;
    }
    batches.push_back(std::move(batch));
    start += s;
  }
  return batches;
}

namespace {

// Parts are written under temporary names and only renamed to their final
// (zero-padded) names once all are complete; anything left is removed.
class PartSet {
 public:
  PartSet(std::string dir, std::string stem, std::string ext,
          const struct stat& input)
      : dir_(std::move(dir)),
        stem_(std::move(stem)),
        ext_(std::move(ext)),
        input_(input) {}
  ~PartSet() { discard(); }

  /// Opens the next part.
  void begin() {
    std::string tmp = dir_ + "/.sweep-part-" + std::to_string(getpid()) + "-" +
                      std::to_string(temps_.size()) + ".tmp";
    temps_.push_back(tmp);
    current_.emplace(OutputStream::open_file(tmp));
  }
  /// Appends to the open part.
  void write(std::string_view bytes) {
    try {
      current_->write(bytes);
    } catch (const SystemError& e) {
      write_failed(e);
    }
  }
  /// Appends a large slice to the open part without copying it.
  void write_direct(std::string_view bytes) {
    try {
      current_->write_direct(bytes);
    } catch (const SystemError& e) {
      write_failed(e);
    }
  }
  /// Closes the open part, if any.
  void end() {
    try {
      if (current_) current_->flush();
    } catch (const SystemError& e) {
      write_failed(e);
    }
    current_.reset();
  }
  bool open() const { return current_.has_value(); }
  /// Parts begun so far.
  size_t count() const { return temps_.size(); }
  /// Removes every part written so far. Errors are not reported: this
  /// cleans up after another error, or before the parts are written again.
  void discard() {
    current_.reset();
    for (const auto& t : temps_) std::remove(t.c_str());
    temps_.clear();
  }
  std::vector<std::string> commit();

 private:
  std::vector<std::string> final_names() const;
  [[noreturn]] void write_failed(const SystemError& e) const {
    throw Error(dir_ + ": cannot write part " + std::to_string(count() - 1) +
                    ": " + e.what(),
                e.exit_status());
  }

  std::string dir_, stem_, ext_;
  struct stat input_;
  std::vector<std::string> temps_;
  std::optional<OutputStream> current_;
};

// The final names, checked: none may be the input itself (a hard link).
std::vector<std::string> PartSet::final_names() const {
  size_t width = std::to_string(temps_.empty() ? 0 : temps_.size() - 1).size();
  std::vector<std::string> finals;
  for (size_t i = 0; i < temps_.size(); ++i) {
    std::string index = std::to_string(i);
    index.insert(0, width - index.size(), '0');
    std::string name =
        dir_ + "/" + stem_ + "." + index + (ext_.empty() ? "" : "." + ext_);
    struct stat st;
    if (stat(name.c_str(), &st) == 0 && st.st_dev == input_.st_dev &&
        st.st_ino == input_.st_ino)
      throw Error(name +
                  ": a part would overwrite the input; choose another -o");
    finals.push_back(name);
  }
  return finals;
}

// Renames every part to its final name; if one rename fails, the parts
// already renamed are removed too, so an error leaves no part behind.
std::vector<std::string> PartSet::commit() {
  end();
  std::vector<std::string> finals = final_names();
  for (size_t i = 0; i < temps_.size(); ++i) {
    if (std::rename(temps_[i].c_str(), finals[i].c_str()) == 0) continue;
    int err = errno;
    for (size_t j = 0; j < i; ++j) std::remove(finals[j].c_str());
    throw Error(finals[i] + ": cannot write part: " + std::strerror(err));
  }
  temps_.clear();
  return finals;
}

// Creates the output directory. Unless kept, the directories it had to
// create are removed again (if still empty) when it goes: a failed split
// leaves nothing behind, not even an empty directory.
class OutputDir {
 public:
  explicit OutputDir(const std::string& dir) {
    fs::path p = fs::path(dir).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    std::error_code ec;
    for (; !p.empty() && !fs::exists(p, ec); p = p.parent_path())
      created_.push_back(p);
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      remove_created();
      throw Error(dir + ": cannot create output directory" +
                  (ec ? ": " + ec.message() : ""));
    }
  }
  ~OutputDir() { remove_created(); }
  /// The split succeeded: keep what was created.
  void keep() { created_.clear(); }

 private:
  void remove_created() {
    // rmdir fails on a directory that is not empty, which is what we want.
    for (const auto& p : created_) ::rmdir(p.c_str());
  }

  std::vector<fs::path> created_;  ///< Deepest first.
};

// The input: a descriptor (stdin is not closed) and, when a pipe had to be
// read twice, the temporary file it was copied to (removed at the end).
struct Input {
  int fd = -1;
  bool owned = false;
  std::string name;
  struct stat st {};
  std::string spool;
  ~Input() {
    if (owned && fd >= 0) ::close(fd);
    if (!spool.empty()) std::remove(spool.c_str());
  }
};

void open_input(Input& in, const std::string& path) {
  if (path == "-") {
    in.fd = STDIN_FILENO;
    in.name = "<stdin>";
  } else {
    in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) throw Error(path + ": cannot read: " + std::strerror(errno));
    in.owned = true;
    in.name = path;
  }
  if (fstat(in.fd, &in.st) != 0)
    throw Error(in.name + ": cannot read: " + std::strerror(errno));
  if (S_ISDIR(in.st.st_mode))
    throw Error(in.name + ": cannot read: it is a directory");
}

// Copies the rest of in.fd to `out`.
void copy_rest(const Input& in, OutputStream& out) {
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(in.fd, buf.data(), buf.size());
    if (n > 0)
      out.write_direct({buf.data(), static_cast<size_t>(n)});
    else if (n == 0)
      return;
    else if (errno != EINTR)
      throw Error(in.name + ": cannot read: " + std::strerror(errno));
  }
}

// A pipe cannot be read twice: copies it, after the `head` already read
// from it, to a temporary file and reads that instead (under its own name).
void spool_input(Input& in, std::string_view head) {
  char tmpl[] = "/tmp/sweep-batchify-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw SystemError("mkstemp /tmp/sweep-batchify-XXXXXX", errno);
  in.spool = tmpl;
  try {
    OutputStream copy(fd, true);
    copy.write(head);
    copy_rest(in, copy);
    copy.flush();
  } catch (const SystemError& e) {
    throw Error(in.spool + ": cannot copy " + in.name + ": " + e.what(),
                e.exit_status());
  }
  Input spooled;
  open_input(spooled, in.spool);
  std::swap(in.fd, spooled.fd);
  std::swap(in.owned, spooled.owned);
  in.st = spooled.st;
}

// The extension of the parts: the input's, or for stdin the format's.
std::string part_extension(const std::string& input, DataFormat format) {
  if (input == "-") {
    static const char* kExt[] = {"txt", "csv", "tsv", "jsonl", "json", "json"};
    return kExt[static_cast<int>(format)];
  }
  std::string ext = fs::path(input).extension().string();
  return ext.empty() ? ext : ext.substr(1);
}

void check_sizing(const BatchifyOptions& o) {
  if (o.parts == 0 && o.size == 0)
    throw Error("give -n N (parts) or --size K (records per part)");
  if (o.parts && o.size) throw Error("-n and --size contradict: give one");
  if (o.by_bytes && !o.parts)
    throw Error("--by bytes balances -n N parts; give -n");
}

// First pass of -n: how many JSON array elements there are (and, for --by
// bytes, where they pass the byte boundaries). It also checks them all, so
// a malformed array fails before any part is written.
std::uint64_t count_elements(Input& in, ByteCuts* cuts) {
  DataReader reader(in.fd, DataFormat::kJsonArray, in.name);
  std::string_view r;
  std::uint64_t n = 0;
  while (reader.next(r)) {
    ++n;
    while (cuts && reader.end_offset() > cuts->next_boundary())
      cuts->cut_after(n);
  }
  if (lseek(in.fd, 0, SEEK_SET) != 0)
    throw SystemError("lseek " + in.name, errno);
  return n;
}

// Runs one split pass as planned; returns the records it counted.
std::uint64_t split_pass(Input& in, DataFormat format, const CutPlan& plan,
                         PartSet& parts) {
  std::string header;
  PartSink sink{[&] {
                  parts.begin();
                  parts.write(header);
                },
                [&](std::string_view bytes) { parts.write_direct(bytes); }};
  std::uint64_t records =
      split_blocks(in.fd, format, in.name, plan, sink, header);
  parts.end();
  return records;
}

// --by bytes in one pass, without counting: true when that gave the N parts.
// Otherwise (records too few or too long for their shares) the parts are
// discarded, for the counting pass to place the cuts.
bool split_by_bytes_in_one_pass(Input& in, DataFormat format,
                                const BatchifyOptions& o, PartSet& parts) {
  CutPlan plan;
  plan.parts = o.parts;
  plan.total_bytes = static_cast<std::uint64_t>(in.st.st_size);
  split_pass(in, format, plan, parts);
  if (parts.count() == o.parts) return true;
  parts.discard();
  if (lseek(in.fd, 0, SEEK_SET) != 0)
    throw SystemError("lseek " + in.name, errno);
  return false;
}

// Lines and CSV: whole blocks, cut only where a part ends.
BatchifyResult split_in_blocks(Input& in, DataFormat format,
                               const BatchifyOptions& o, PartSet& parts) {
  BatchifyResult result;
  CutPlan plan;
  if (o.size) {
    plan.size = o.size;
  } else if (o.by_bytes && split_by_bytes_in_one_pass(in, format, o, parts)) {
    result.parts = parts.commit();  // records not counted
    return result;
  } else {  // -n by records, or --by bytes when one pass fell short
    ByteCuts cuts(o.parts, static_cast<std::uint64_t>(in.st.st_size));
    std::uint64_t total =
        count_block_records(in.fd, format, in.name, &plan.block_lines,
                            o.by_bytes ? &cuts : nullptr);
    plan.sizes =
        o.by_bytes ? cuts.sizes(total) : balanced_sizes(total, o.parts);
    result.fewer_parts = total < o.parts;
  }
  result.records = split_pass(in, format, plan, parts);
  result.parts = parts.commit();
  return result;
}

// JSON arrays: element by element, each part a valid array.
BatchifyResult split_json_array(Input& in, const BatchifyOptions& o,
                                PartSet& parts) {
  BatchifyResult result;
  std::vector<std::uint64_t> sizes;
  if (o.parts) {
    ByteCuts cuts(o.parts, static_cast<std::uint64_t>(in.st.st_size));
    std::uint64_t total = count_elements(in, o.by_bytes ? &cuts : nullptr);
    sizes = o.by_bytes ? cuts.sizes(total) : balanced_sizes(total, o.parts);
    result.fewer_parts = total < o.parts;
  }
  DataReader reader(in.fd, DataFormat::kJsonArray, in.name);
  std::string_view record;
  std::uint64_t in_part = 0;
  while (reader.next(record)) {
    if (!parts.open()) {
      parts.begin();
      parts.write("[");
    } else {
      parts.write(",");
    }
    parts.write(record);
    ++result.records;
    std::uint64_t part = parts.count() - 1;
    std::uint64_t target = o.size                ? o.size
                           : part < sizes.size() ? sizes[part]
                                                 : UINT64_MAX;
    if (++in_part == target) {
      parts.write("]\n");
      parts.end();
      in_part = 0;
    }
  }
  if (parts.open()) parts.write("]\n");
  result.parts = parts.commit();
  return result;
}

}  // namespace

std::vector<std::string> write_batches(
    const std::vector<nlohmann::ordered_json>& batches,
    const std::string& out_dir, const std::string& stem,
    const std::string& input) {
  struct stat st {};
  if (input != "-" && stat(input.c_str(), &st) != 0)
    throw Error(input + ": cannot read: " + std::strerror(errno));
  OutputDir dir(out_dir);
  PartSet parts(out_dir, stem, "json", st);
  for (const auto& b : batches) {
    parts.begin();
    parts.write(b.dump() + "\n");
    parts.end();
  }
  std::vector<std::string> paths = parts.commit();
  dir.keep();
  return paths;
}

BatchifyResult batchify_file(const std::string& input,
                             const BatchifyOptions& o) {
  check_sizing(o);
  Input in;
  open_input(in, input);
  DataFormat format = o.format ? *o.format : format_from_path(input);
  if (format == DataFormat::kJsonDict) format = DataFormat::kJsonArray;
  if (input == "-" && !o.stdin_head.empty())
    spool_input(in, o.stdin_head);  // the head must be read again
  else if (!S_ISREG(in.st.st_mode) && o.parts)
    spool_input(in, "");  // -n reads twice
  OutputDir dir(o.out_dir);
  std::string stem = input == "-" ? "stdin" : fs::path(input).stem().string();
  PartSet parts(o.out_dir, stem, part_extension(input, format), in.st);
  BatchifyResult result = format == DataFormat::kJsonArray
                              ? split_json_array(in, o, parts)
                              : split_in_blocks(in, format, o, parts);
  dir.keep();
  return result;
}

}  // namespace sweep
