// sweep batchify on a data file, through its public entry point
// batchify_file: the first input byte picks the format and the mode (-n N,
// --size K or -n N --by bytes), the second N or K, the rest is the file.
// - text and JSON Lines: always split; the parts, concatenated, are the
//   file; each part but the last ends with a newline; -n N gives min(N,
//   lines) parts of balanced sizes, --size K parts of K lines;
// - CSV and TSV: an unclosed quote (an odd number of `"`) is an error,
//   anything else is split; every part starts with the header record, and
//   the first part with the rest of every other part is the file;
// - a JSON array that is valid JSON is split into parts that are JSON
//   arrays whose elements, concatenated, are the array's; a file with a NUL
//   byte is not JSON and is an error.
// Every error is a sweep::Error.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#if __has_include("sweep/batchify.hpp")
#include "sweep/batchify.hpp"
#else
#include "batchify/batchify.hpp"
#endif
#include "fuzz.hpp"

using namespace sweep;

namespace {

enum class Mode { kParts, kSize, kBytes };

struct Format {
  DataFormat format;
  const char* ext;
};
constexpr Format kFormats[] = {{DataFormat::kText, "txt"},
                               {DataFormat::kCsv, "csv"},
                               {DataFormat::kTsv, "tsv"},
                               {DataFormat::kJsonl, "jsonl"},
                               {DataFormat::kJsonArray, "json"}};

// The records of a line format, or of CSV (a newline inside quotes does not
// end one), each with its newline.
std::vector<std::string> records_of(const std::string& text, bool quoted) {
  std::vector<std::string> out;
  bool in_quotes = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (quoted && text[i] == '"') in_quotes = !in_quotes;
    if (text[i] == '\n' && !in_quotes) {
      out.push_back(text.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// The sizes the parts must have: -n N balanced (earlier parts larger),
// --size K full parts and the rest.
void check_sizes(const std::vector<std::uint64_t>& sizes, std::uint64_t total,
                 Mode mode, std::uint64_t count) {
  std::uint64_t sum = 0;
  for (auto s : sizes) {
    FUZZ_CHECK(s > 0, "an empty part");
    sum += s;
  }
  FUZZ_CHECK(sum == total, sum << " records in parts, " << total << " read");
  if (mode == Mode::kBytes) {
    FUZZ_CHECK(sizes.size() <= count, sizes.size()
                                          << " parts for -n " << count);
    return;
  }
  if (mode == Mode::kParts) {
    FUZZ_CHECK(sizes.size() == std::min(total, count),
               sizes.size() << " parts of " << total << " for -n " << count);
    for (size_t i = 0; i + 1 < sizes.size(); ++i)
      FUZZ_CHECK(sizes[i] == sizes[i + 1] || sizes[i] == sizes[i + 1] + 1,
                 "part " << i << " has " << sizes[i] << " records, the next "
                         << sizes[i + 1]);
    return;
  }
  for (size_t i = 0; i < sizes.size(); ++i)
    FUZZ_CHECK(
        i + 1 == sizes.size() ? sizes[i] <= count : sizes[i] == count,
        "part " << i << " has " << sizes[i] << " records, --size " << count);
}

void check_lines(const std::string& text, const std::vector<std::string>& parts,
                 const BatchifyResult& r, Mode mode, std::uint64_t count) {
  std::string joined;
  std::vector<std::uint64_t> sizes;
  for (size_t i = 0; i < parts.size(); ++i) {
    joined += parts[i];
    if (i + 1 < parts.size())
      FUZZ_CHECK(!parts[i].empty() && parts[i].back() == '\n',
                 "part " << i << " " << fuzz::show(parts[i]));
    sizes.push_back(records_of(parts[i], false).size());
  }
  FUZZ_CHECK(joined == text, "parts " << fuzz::show(joined));
  std::uint64_t total = records_of(text, false).size();
  if (mode != Mode::kBytes)
    FUZZ_CHECK(r.records == total,
               r.records << " records, " << total << " lines");
  check_sizes(sizes, total, mode, count);
}

void check_csv(const std::string& text, const std::vector<std::string>& parts,
               const BatchifyResult& r, Mode mode, std::uint64_t count) {
  std::vector<std::string> records = records_of(text, true);
  std::string header = records.empty() ? "" : records.front();
  std::uint64_t total = records.empty() ? 0 : records.size() - 1;
  std::string joined = header;
  std::vector<std::uint64_t> sizes;
  for (size_t i = 0; i < parts.size(); ++i) {
    FUZZ_CHECK(parts[i].compare(0, header.size(), header) == 0,
               "part " << i << " " << fuzz::show(parts[i])
                       << " does not start with the header");
    std::string rest = parts[i].substr(header.size());
    joined += rest;
    sizes.push_back(records_of(rest, true).size());
  }
  if (total == 0 && parts.empty()) return;  // a header alone: nothing to split
  FUZZ_CHECK(joined == text, "parts " << fuzz::show(joined));
  if (mode != Mode::kBytes)
    FUZZ_CHECK(r.records == total, r.records << " records, " << total);
  check_sizes(sizes, total, mode, count);
}

void check_json(const std::string& text, const std::vector<std::string>& parts,
                const BatchifyResult& r, Mode mode, std::uint64_t count) {
  auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
  nlohmann::ordered_json joined = nlohmann::ordered_json::array();
  std::vector<std::uint64_t> sizes;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto part = nlohmann::ordered_json::parse(parts[i], nullptr, false);
    FUZZ_CHECK(part.is_array(), "part " << i << " " << fuzz::show(parts[i]));
    for (auto& e : part) joined.push_back(e);
    sizes.push_back(part.size());
  }
  FUZZ_CHECK(joined == doc, "parts " << joined.dump());
  if (mode != Mode::kBytes)
    FUZZ_CHECK(r.records == doc.size(),
               r.records << " records, " << doc.size());
  check_sizes(sizes, doc.size(), mode, count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 2 || size > 4096) return 0;
  const Format& f = kFormats[data[0] % 5];
  Mode mode = static_cast<Mode>(data[0] / 5 % 3);
  std::uint64_t count = 1 + data[1] % 8;
  std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);

  const std::string& dir = fuzz::scratch_dir();
  std::string input = fuzz::write_file(dir + "/in." + f.ext, text);
  BatchifyOptions o;
  o.parts = mode == Mode::kSize ? 0 : count;
  o.size = mode == Mode::kSize ? count : 0;
  o.by_bytes = mode == Mode::kBytes;
  o.out_dir = dir + "/parts";
  o.format = f.format;
  std::filesystem::remove_all(o.out_dir);
  BatchifyResult r;
  std::string why;
  bool ok = fuzz::accepts([&] { r = batchify_file(input, o); }, &why);
  std::vector<std::string> parts;
  for (const auto& p : r.parts) parts.push_back(fuzz::read_file(p));
  // Nothing else is left in the output directory: no temporary parts.
  std::size_t files = 0;
  if (std::filesystem::exists(o.out_dir))
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(o.out_dir))
      ++files;
  FUZZ_CHECK(files == r.parts.size(),
             files << " files, " << r.parts.size() << " parts");

  switch (f.format) {
    case DataFormat::kText:
    case DataFormat::kJsonl:
      FUZZ_CHECK(ok, "a line format failed: " << why);
      check_lines(text, parts, r, mode, count);
      break;
    case DataFormat::kCsv:
    case DataFormat::kTsv: {
      bool balanced = std::count(text.begin(), text.end(), '"') % 2 == 0;
      FUZZ_CHECK(ok == balanced, (ok ? "an unclosed quote passed"
                                     : "balanced quotes failed: " + why));
      if (ok) check_csv(text, parts, r, mode, count);
      break;
    }
    default: {
      auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
      bool bom = text.compare(0, 3, "\xEF\xBB\xBF") == 0;
      // nlohmann stops at a NUL byte as at the end of input; JSON allows
      // none anywhere, so a file with one is never valid.
      bool nul = text.find('\0') != std::string::npos;
      if (nul) FUZZ_CHECK(!ok, "a JSON array with a NUL byte passed");
      if (doc.is_array() && !bom && !nul) {
        FUZZ_CHECK(ok, "a valid JSON array failed: " << why);
        check_json(text, parts, r, mode, count);
      }
      break;
    }
  }
  return 0;
}
