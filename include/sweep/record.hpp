#pragma once

// The records sweep writes: one line of a job's output, how a job ended, a
// journal entry, a grid listing. Each has one writer (inside sweep) and one
// reader (RecordReader, here); the formats are documented in README.md.

#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/error.hpp"
#include "sweep/value.hpp"

namespace sweep {

/// Identity of a job across runs: a 128-bit hash of its parameters as
/// canonical JSON (names sorted) and its repeat. Matching by parameters, not
/// by index, keeps resume right when the grid changes.
struct JobKey {
  std::uint64_t hi = 0, lo = 0;
  auto operator<=>(const JobKey&) const = default;
  /// 32 lowercase hex digits.
  std::string hex() const;
  /// Parses 32 lowercase hex digits; false if malformed.
  static bool from_hex(std::string_view text, JobKey& out);
};

/// Which output stream of a job a line came from.
enum class Stream { kStdout = 0, kStderr = 1 };

/// How a job (one attempt of it) ended.
struct JobResult {
  int exit_code = 0;      ///< Meaningful when signal == 0.
  int signal = 0;         ///< The signal that ended the job, or 0.
  double duration_s = 0;  ///< From spawn to the job's own exit.
  std::string error;      ///< Set when the job could not be started.
  bool timeout = false;   ///< Killed for running past --timeout.
  bool stopped = false;   ///< Killed by sweep (interrupt or halt), not failed.
  /// The job had exited, but processes it left in its group held its output
  /// open until sweep stopped them (at --timeout or a stop). Its own exit
  /// decides its outcome.
  bool leftover_killed = false;
  bool will_retry = false;  ///< A failed attempt that will be run again.
  /// sweep stopped it because memory ran low (--memfree): its own outcome is
  /// no verdict; it runs again unless the sweep is stopping.
  bool memory_stopped = false;
  /// sweep stopped it early (--prune): its metric was worse than the other
  /// jobs' at `pruned_step`. Neither success nor failure; not run again.
  bool pruned = false;
  double pruned_step = 0;  ///< The step it was pruned at (with pruned).
  /// --halving: the rung (budget index) the job ran at, or -1.
  int rung = -1;
  /// --halving: the last value of the metric it printed, which ranked it
  /// in its rung (with rung; none if it printed none).
  std::optional<double> rung_value;
  /// The devices (--gpus) the attempt owned while it ran, as listed.
  std::vector<std::string> gpus;
  /// --collect patterns that matched no file in the job's directory.
  std::vector<std::string> collect_missing;
  /// Files --collect refused (over its size bound, not a regular file).
  std::vector<std::string> collect_refused;
  double cpu_user_s = 0;  ///< User CPU time of the job and its children.
  double cpu_sys_s = 0;   ///< System CPU time, likewise.
  long max_rss_kb = 0;    ///< Peak resident set size, in KiB.
  /// True if the job exited with status 0 in time.
  bool ok() const {
    return signal == 0 && exit_code == 0 && error.empty() && !timeout;
  }
  /// True if this result decides the job's outcome (no retry follows).
  bool final() const { return !will_retry; }
  /// True if a stop signal from outside (SIGTERM, SIGINT, SIGHUP: a
  /// cancelled cluster task, a user's kill) ended it: no verdict on the job.
  bool killed_from_outside() const;
};

/// A number in a line's `data` object; nested objects' keys are joined with
/// '.' ("a.b"). Arrays, strings and booleans are not numbers.
struct DataNumber {
  std::string_view name;
  double value = 0;
};

/// One top-level member of a record's params, as the reader decoded it:
/// numbers, strings and booleans typed as sweep types them (integers beyond
/// int64 become floats); anything else (null, arrays, objects) kept as its
/// minified JSON text. Views point into the reader, like Record's.
struct ParamField {
  enum class Kind : std::uint8_t { kInt, kFloat, kBool, kString, kJson };
  std::string_view name;
  Kind kind = Kind::kInt;
  std::int64_t i = 0;     ///< kInt; kBool: 0 or 1.
  double f = 0;           ///< kFloat.
  std::string_view text;  ///< kString: the unescaped text; kJson: the JSON.
  /// As a Value (kJson: its JSON text as a string, as sweep shows it).
  Value value() const;
};

/// The kinds of record, told apart by their fields.
enum class RecordKind {
  kLine,     ///< A line of output: `{"job":..,"params":..,"line":..}`, or
             ///< values read from a job's file (--collect): `"file"` and
             ///< `"data"` instead of `"line"`.
  kEnd,      ///< A job's end in a result stream: `{"job":..,"exit":..}`.
  kJournal,  ///< A journal entry: `{"key":..,"ok":..,"job":..,...}`.
  kGrid,     ///< A grid listing line: `{"job":..,"params":..}`.
};

/// One record as read. String views point into the reader's buffer and the
/// line given to parse(): valid until the next parse().
struct Record {
  RecordKind kind = RecordKind::kGrid;
  std::uint64_t job = 0;
  std::uint64_t rep = 0;
  unsigned attempt = 1;          ///< `attempt` (streams) or `attempts`.
  std::string_view params_json;  ///< The params object as written.
  std::string_view text;         ///< The whole record, as parsed.
  /// The params' members, in order (kFieldParamValues).
  std::span<const ParamField> params;
  /// Exact bytes (base64) of values that are not UTF-8, if any: a JSON
  /// object beside params, which shows them with U+FFFD (kFieldParams or
  /// kFieldParamValues).
  std::string_view params_b64_json;
  // Line records.
  Stream stream = Stream::kStdout;
  std::string_view line;       ///< Unescaped text of the line.
  std::string_view data_json;  ///< The line as a JSON object, if it was one.
  /// Every number in data, in order (kFieldData); points into the reader.
  std::span<const DataNumber> data_numbers;
  std::string_view file;  ///< The job's file the data was read from, or "".
  // End and journal records.
  JobResult result;
  // Journal records.
  bool has_key = false;
  JobKey key;
  bool ok = false;
  std::string_view time;
  /// The params object as written, read from text when params_json was not
  /// asked for (kFieldParams): for the rare record that needs it.
  std::string_view params_text() const;
};

/// Which fields a reader fills in; the others are skipped unread, so a reader
/// that needs little pays little.
enum RecordField : unsigned {
  kFieldParams = 1u << 0,       ///< params_json
  kFieldLine = 1u << 1,         ///< line, data_json, stream, file
  kFieldResult = 1u << 2,       ///< result (exit, signal, durations, ...)
  kFieldJournal = 1u << 3,      ///< key, ok, time
  kFieldData = 1u << 4,         ///< data_numbers (with kFieldLine)
  kFieldParamValues = 1u << 5,  ///< params, decoded
  kFieldAll = 0xffu,
};

/// Reads sweep's records, one line at a time. Throws nothing: a line that is
/// not a record gives false and a reason.
class RecordReader {
 public:
  /// Reads only the fields in `fields` (a mask of RecordField); with
  /// parser_only, every line goes through the JSON parser, not first
  /// through the fast path for the writer's own layout (tests compare them).
  explicit RecordReader(unsigned fields = kFieldAll, bool parser_only = false);
  ~RecordReader();
  RecordReader(RecordReader&&) noexcept;
  RecordReader& operator=(RecordReader&&) noexcept;
  /// Parses one line (without its newline) into out; false, with why() set,
  /// if it is not one of sweep's records.
  bool parse(std::string_view line, Record& out);
  /// Why the last parse() failed.
  const std::string& why() const { return why_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned fields_;
  bool parser_only_;
  std::string why_;
};

/// Receives each record of a file with its text (no newline).
using RecordFn = std::function<void(const Record&, std::string_view text)>;

/// What read_records passed over.
struct ReadSummary {
  std::uint64_t blank = 0;  ///< Blank lines.
  bool torn = false;        ///< A torn last line (a writer killed mid-record).
};

/// A line of a file that is not a record (the Error read_records throws).
class RecordError : public Error {
 public:
  using Error::Error;
};

/// How read_records reads a file.
struct ReadOptions {
  /// 2: a second thread reads and splits the file's next blocks while the
  /// caller's takes the records of the last (fn is only ever called on the
  /// caller's thread, in order); 1: the caller's thread does both.
  unsigned threads = 1;
  /// Bytes read at a time (tests make it small, to cross every boundary).
  size_t block = 64 << 10;
};

/// Reads every record of a file of JSON Lines (a result stream, a journal),
/// in order, decoding only `fields`. Blank lines and a torn last line are
/// skipped (and counted); any other line that is not a record throws
/// RecordError naming the file and line.
ReadSummary read_records(const std::string& path, unsigned fields,
                         const RecordFn& fn, const ReadOptions& how = {});

/// The number of a signal from its name ("SIGTERM" -> 15), or 0.
int signal_number(std::string_view name);

/// The conventional name of a signal ("SIGKILL"), or "SIG<n>".
std::string signal_name(int sig);

}  // namespace sweep
