#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "batchify/batchify.hpp"
#include "commands.hpp"
#include "output/output_stream.hpp"
#include "sweep/error.hpp"
#include "validators.hpp"

namespace sweep::cli {

CLI::App* setup_batchify(CLI::App& app, BatchifyCommandOptions& o) {
  auto* sub = app.add_subcommand(
      "batchify",
      "Split a JSON dict of lists or a data file into balanced batches");
  sub->add_option(
         "FILE", o.input,
         "Input: .json (dict or array), .jsonl, .csv, .tsv, text; - for stdin")
      ->type_name("");  // the name says it: no "FILE FILE"
  sub->add_option("-n,--parts", o.parts, "Split into N parts")
      ->type_name("N")
      ->transform(at_least(1));
  sub->add_option("--size", o.size, "Put K records in each part")
      ->type_name("K")
      ->transform(at_least(1));
  add_choice<std::string>(*sub, "--by", o.by,
                          {{"records", "records"}, {"bytes", "bytes"}},
                          "Balance -n parts by records (default) or bytes")
      ->type_name("records|bytes");
  sub->add_option(
         "-o,--output-dir", o.out_dir,
         "Write parts to DIR (a JSON dict's batches go to stdout as JSON Lines "
         "without it; data files default to .)")
      ->type_name("DIR");
  sub->add_option("--format", o.format,
                  "text, csv, tsv, jsonl or json (default: from the extension)")
      ->type_name("F");
  sub->add_option("--manifest", o.manifest,
                  "Write the part paths to FILE instead of stdout")
      ->type_name("FILE");
  add_log_options(*sub, o.log);
  sub->footer(
      "Examples:\n"
      "  sweep batchify -n 4 data.json                  # the original "
      "Batchify, JSON Lines out\n"
      "  sweep batchify -n 8 data.csv -o parts/         # parts/data.0.csv ... "
      "with the header\n"
      "  sweep batchify --size 1000 -o parts/ log.jsonl\n"
      "  sweep batchify -n 8 --by bytes big.txt -o parts/ --manifest "
      "parts.txt\n"
      "  sweep run -p part=@parts.txt -- ./process '<part>'");
  return sub;
}

namespace {

// What batchify reads of standard input to tell a JSON dict from an array:
// up to its first non-blank byte, at most this much. The rest streams.
constexpr size_t kMaxStdinHead = 1 << 20;
constexpr const char* kBlanks = " \t\r\n";

bool starts_with_brace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char c;
  while (in.get(c))
    if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
  return false;
}

// Reads standard input into `text` until it holds a non-blank byte (or all
// of it, when `all`), or the end.
void read_stdin(std::string& text, bool all) {
  char buf[1 << 16];
  while (all || (text.size() < kMaxStdinHead &&
                 text.find_first_not_of(kBlanks) == std::string::npos)) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) return;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(std::string("<stdin>: cannot read: ") + std::strerror(errno));
    text.append(buf, static_cast<size_t>(n));
  }
}

// The whole text of a JSON dict input (stdin: after the head already read).
std::string read_dict_text(const BatchifyCommandOptions& o, std::string head) {
  if (o.input == "-") {
    read_stdin(head, true);
    return head;
  }
  std::ifstream in(o.input, std::ios::binary);
  if (!in) throw Error(o.input + ": cannot read: " + std::strerror(errno));
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) throw Error(o.input + ": cannot read: " + std::strerror(errno));
  return text;
}

// The input as errors name it.
std::string display_name(const std::string& input) {
  return input == "-" ? "<stdin>" : input;
}

// Parses a JSON dict input; a syntax error names its line and column, as
// the parser reports them ("parse error at line 3, column 7: ...").
nlohmann::ordered_json parse_dict(const std::string& text,
                                  const std::string& name) {
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    size_t at = what.find(" at line ");
    size_t colon = what.find(": ", at);
    if (at == std::string::npos || colon == std::string::npos)
      throw Error(name + ": invalid JSON");
    std::string where = what.substr(at + 9, colon - at - 9);
    if (size_t c = where.find(", column "); c != std::string::npos)
      where.replace(c, 9, ":");
    size_t dash = what.find(" - ", colon);
    throw Error(name + ":" + where + ": invalid JSON: " +
                what.substr(dash == std::string::npos ? colon + 2 : dash + 3));
  }
}

// The original Batchify: a JSON dict's batches, to stdout as JSON Lines or
// to files with -o.
std::vector<std::string> batchify_dict_input(const BatchifyCommandOptions& o,
                                             std::string stdin_head) {
  if (o.by == "bytes")
    throw Error("--by bytes splits data files, not a JSON dict");
  if (o.parts == 0 && o.size == 0)
    throw Error("give -n N (parts) or --size K (items per part)");
  nlohmann::ordered_json doc = parse_dict(
      read_dict_text(o, std::move(stdin_head)), display_name(o.input));
  auto batches = batchify_dict(doc, o.parts, o.size, display_name(o.input));
  if (o.parts > batches.size())
    spdlog::warn("{} has {} items to split: writing {} batches, not {}",
                 o.input, batches.size(), batches.size(), o.parts);
  if (o.out_dir.empty()) {
    OutputStream out(STDOUT_FILENO);
    for (const auto& b : batches) out.write(b.dump() + "\n");
    out.flush();
    return {};
  }
  std::string stem =
      o.input == "-" ? "stdin" : std::filesystem::path(o.input).stem().string();
  return write_batches(batches, o.out_dir, stem, o.input);
}

// A data file: lines, CSV, JSON Lines or a JSON array, into part files.
std::vector<std::string> batchify_data_input(const BatchifyCommandOptions& o,
                                             std::optional<DataFormat> format,
                                             std::string stdin_head) {
  BatchifyOptions b;
  b.parts = o.parts;
  b.size = o.size;
  b.by_bytes = o.by == "bytes";
  b.out_dir = o.out_dir.empty() ? "." : o.out_dir;
  b.format = format;
  b.stdin_head = std::move(stdin_head);
  BatchifyResult r = batchify_file(o.input, b);
  if (r.fewer_parts)
    spdlog::warn("{} has {} records: writing {} parts, not {}", o.input,
                 r.records, r.parts.size(), o.parts);
  return r.parts;
}

void write_manifest(const std::vector<std::string>& parts,
                    const std::string& manifest) {
  std::string text;
  for (const auto& p : parts) text += p + "\n";
  OutputStream out = manifest.empty() ? OutputStream(STDOUT_FILENO)
                                      : OutputStream::open_file(manifest);
  out.write(text);
  out.flush();
}

}  // namespace

std::vector<std::string> batchify_to_parts(const BatchifyCommandOptions& o) {
  if (o.input.empty())
    throw Error("batchify needs an input FILE (or - for stdin)");
  std::optional<DataFormat> format;
  if (!o.format.empty()) format = parse_format(o.format);
  std::string stdin_head;
  if (format.value_or(format_from_path(o.input)) == DataFormat::kJsonArray) {
    // A dict or an array: the first non-blank byte tells. Standard input
    // cannot be looked at without reading it; what was read goes on with
    // the rest.
    bool dict;
    if (o.input == "-") {
      read_stdin(stdin_head, false);
      size_t first = stdin_head.find_first_not_of(kBlanks);
      dict = first != std::string::npos && stdin_head[first] == '{';
    } else {
      dict = starts_with_brace(o.input);
    }
    if (dict) return batchify_dict_input(o, std::move(stdin_head));
  }
  return batchify_data_input(o, format, std::move(stdin_head));
}

int run_batchify(const BatchifyCommandOptions& o) {
  std::vector<std::string> parts = batchify_to_parts(o);
  if (!parts.empty() || !o.out_dir.empty()) write_manifest(parts, o.manifest);
  return 0;
}

}  // namespace sweep::cli
