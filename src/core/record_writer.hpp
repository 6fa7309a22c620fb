#pragma once

// The one writer of sweep's records (formats in README.md; the one reader is
// RecordReader in sweep/record.hpp). Each function appends to a buffer, so a
// record is built whole and written at once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sweep/record.hpp"

namespace sweep {

/// The fields every record of one job starts with.
struct RecordHead {
  std::uint64_t job = 0;
  std::string_view params_json;      ///< A JSON object, written as it is.
  std::optional<std::uint64_t> rep;  ///< Written when the run repeats.
  std::optional<unsigned> attempt;   ///< Written when the run retries.
  /// `params_b64` when some value is not UTF-8 (a JSON object), else empty.
  std::string_view params_b64_json;
};

/// Appends `{"job":N,"params":{...}` and rep and attempt if set.
void append_record_head(std::string& out, const RecordHead& head);

/// Appends what a line record has after its head, up to its text:
/// `,"stream":"stderr"` for stderr, then `,"line":`. With the head, the
/// prefix a writer can keep for every line of one job.
void append_line_prefix(std::string& out, Stream stream);

/// Appends a line record's text and end: `"text"`, `,"data":{...}` when the
/// line is a JSON object, `}` and a newline.
void append_line_body(std::string& out, std::string_view line);

/// Appends a record of values read from one of the job's files (--collect),
/// newline included: the head, `"file":"metrics.json"`, `"data":{...}`.
void append_file_record(std::string& out, const RecordHead& head,
                        std::string_view file, std::string_view data_json);

/// Appends how a job ended as members (`,"exit":0,"duration_s":...`).
void append_end_fields(std::string& out, const JobResult& result);

/// Appends a whole end record, newline included.
void append_end_record(std::string& out, const RecordHead& head,
                       const JobResult& result);

/// Appends a whole journal record (also each job's status.json), newline
/// included: `{"key":..,"ok":..,"job":..,"params":..,"rep":..,"attempts":..,`
/// then the end fields and `"time"`. The key and ok come first, at fixed
/// places, so a reader finds them without parsing.
void append_journal_record(std::string& out, const JobKey& key,
                           const RecordHead& head, const JobResult& result,
                           std::string_view time);

/// Appends a grid listing record, newline included.
void append_grid_record(std::string& out, const RecordHead& head);

/// Appends a duration in seconds, rounded to the microsecond.
void append_seconds(std::string& out, double seconds);

}  // namespace sweep
