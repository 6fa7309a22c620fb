#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sweep {

/// The kinds of data sweep batchify splits.
enum class DataFormat { kText, kCsv, kTsv, kJsonl, kJsonArray, kJsonDict };

/// Parses a --format name (text, csv, tsv, jsonl, json); throws Error.
DataFormat parse_format(const std::string& name);

/// The format a path's extension suggests: .csv, .tsv, .jsonl/.ndjson, .json
/// (an array or a dict, decided by its first byte), anything else text.
DataFormat format_from_path(const std::string& path);

/// Sizes of n contiguous batches of `total` items, as equal as possible,
/// earlier batches the larger (10 into 4: 3,3,2,2). No zero sizes: fewer
/// than n batches when total < n.
std::vector<std::uint64_t> balanced_sizes(std::uint64_t total, std::uint64_t n);

/// The original Batchify: the longest array value (the first on ties) split
/// into n contiguous batches (or batches of `size` items), every other entry
/// copied whole into each batch, key order kept. Throws Error for a
/// non-object or an object without an array.
std::vector<nlohmann::ordered_json> batchify_dict(
    const nlohmann::ordered_json& dict, std::uint64_t n, std::uint64_t size,
    const std::string& source);

/// Writes batches as DIR/<stem>.<i>.json (i zero-padded), all or nothing, as
/// batchify_file writes parts; refuses to overwrite `input`. Returns the paths.
std::vector<std::string> write_batches(
    const std::vector<nlohmann::ordered_json>& batches,
    const std::string& out_dir, const std::string& stem,
    const std::string& input);

/// How to split a data file.
struct BatchifyOptions {
  std::uint64_t parts = 0;  ///< -n N: N parts (balanced by records, or bytes).
  std::uint64_t size = 0;   ///< --size K: K records per part.
  bool by_bytes = false;    ///< --by bytes: balance -n parts by bytes.
  std::string out_dir = ".";
  std::optional<DataFormat> format;
  /// Bytes a caller already read from standard input (to tell a JSON dict
  /// from an array): with input "-", they come before the rest of it.
  std::string stdin_head;
};

/// What a split produced.
struct BatchifyResult {
  std::vector<std::string> parts;  ///< Paths of the parts, in order.
  /// Data records read (CSV header excluded); 0 when not counted: --by
  /// bytes counts only when one pass cannot give the N parts.
  std::uint64_t records = 0;
  bool fewer_parts = false;  ///< Fewer records than parts asked for.
};

/// Splits a file ("-" for stdin) into parts DIR/<stem>.<i>.<ext> (i zero-
/// padded), streaming with constant memory: one pass for --size, two for -n
/// by records (count, then split). --by bytes takes one pass, and when that
/// leaves a part empty (records too few or too long for their shares)
/// counts and splits again, so it gives N parts whenever there are N
/// records. Parts are written under temporary names and renamed when
/// complete; on any error none is left behind. Throws Error naming the file
/// and line.
BatchifyResult batchify_file(const std::string& input,
                             const BatchifyOptions& options);

}  // namespace sweep
