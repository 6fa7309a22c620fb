#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
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
      ->type_name("FILE");
  sub->add_option("-n,--parts", o.parts, "Split into N parts")
      ->type_name("N")
      ->transform(at_least(1));
  sub->add_option("--size", o.size, "Put K records in each part")
      ->type_name("K")
      ->transform(at_least(1));
  sub->add_option("--by", o.by,
                  "Balance -n parts by records (default) or bytes")
      ->check(CLI::IsMember({"records", "bytes"}))
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
      "  sweep run -p part=@parts.txt -- ./process <part>");
  return sub;
}

namespace {

bool starts_with_brace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char c;
  while (in.get(c))
    if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
  return false;
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
  bool json = format ? *format == DataFormat::kJsonArray
                     : format_from_path(o.input) == DataFormat::kJsonArray;
  std::string stdin_copy;
  if (json && o.input == "-")
    stdin_copy.assign(std::istreambuf_iterator<char>(std::cin), {});
  bool dict =
      json &&
      (o.input == "-"
           ? stdin_copy.find_first_not_of(" \t\r\n") != std::string::npos &&
                 stdin_copy[stdin_copy.find_first_not_of(" \t\r\n")] == '{'
           : starts_with_brace(o.input));
  if (dict) {
    if (o.by == "bytes")
      throw Error("--by bytes splits data files, not a JSON dict");
    if (o.parts == 0 && o.size == 0)
      throw Error("give -n N (parts) or --size K (items per part)");
    std::string text = stdin_copy;
    if (o.input != "-") {
      std::ifstream in(o.input, std::ios::binary);
      if (!in) throw Error(o.input + ": cannot read: " + std::strerror(errno));
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    nlohmann::ordered_json doc =
        nlohmann::ordered_json::parse(text, nullptr, false);
    if (doc.is_discarded()) throw Error(o.input + ": invalid JSON");
    auto batches = batchify_dict(doc, o.parts, o.size, o.input);
    if (o.parts > batches.size())
      spdlog::warn("{} has {} items to split: writing {} batches, not {}",
                   o.input, batches.size(), batches.size(), o.parts);
    if (o.out_dir.empty()) {
      OutputStream out(STDOUT_FILENO);
      for (const auto& b : batches) out.write(b.dump() + "\n");
      out.flush();
      return {};
    }
    std::string stem = o.input == "-"
                           ? "stdin"
                           : std::filesystem::path(o.input).stem().string();
    return write_batches(batches, o.out_dir, stem, o.input);
  }
  BatchifyOptions b;
  b.parts = o.parts;
  b.size = o.size;
  b.by_bytes = o.by == "bytes";
  b.out_dir = o.out_dir.empty() ? "." : o.out_dir;
  b.format = format;
  BatchifyResult r = batchify_file(o.input, b);
  if (r.fewer_parts)
    spdlog::warn("{} has {} records: writing {} parts, not {}", o.input,
                 r.records, r.parts.size(), o.parts);
  return r.parts;
}

int run_batchify(const BatchifyCommandOptions& o) {
  std::vector<std::string> parts = batchify_to_parts(o);
  if (!parts.empty() || !o.out_dir.empty()) write_manifest(parts, o.manifest);
  return 0;
}

}  // namespace sweep::cli
