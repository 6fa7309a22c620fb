// The reader of sweep's records (merge, report, resume) on arbitrary bytes.
// RecordReader::parse never crashes or throws, and what it accepts is a JSON
// object with a "job" (a whole number): read again with nlohmann, its job,
// params, line, data, rep and attempt are the reader's, and its kind follows
// from its keys. A reader asked for fewer fields accepts at least as much,
// with the same job and kind. read_records over the bytes as a file (its
// fast path parses many lines at once) gives exactly the records that
// parsing line by line gives, or a sweep::Error when a line other than a
// torn last one is not a record, and so does reading it in small blocks with
// a second thread. The fast path for the writer's own layout
// agrees with the JSON parser on every line: the same verdict, the same
// record to the last decoded field.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "sweep/record.hpp"

using namespace sweep;
using Json = nlohmann::json;

namespace {

// A record's fields as plain values, to compare two reads of one line.
struct Seen {
  std::string text;
  RecordKind kind;
  std::uint64_t job, rep;
  unsigned attempt;
  std::string params, line, data, time, error;
  Stream stream;
  int exit, signal;
  double duration, user, sys;
  long rss;
  bool timeout, stopped, retry, has_key, ok;
  JobKey key;
  std::string decoded;  ///< Decoded params and data, the rest of the result.
  bool operator==(const Seen&) const = default;
};

std::string decoded(const Record& r) {
  std::ostringstream s;
  s.precision(17);
  for (const ParamField& p : r.params)
    s << p.name << ' ' << int(p.kind) << ' ' << p.i << ' ' << p.f << ' '
      << std::signbit(p.f) << ' ' << p.text << '|';
  for (const DataNumber& n : r.data_numbers) s << n.name << ' ' << n.value;
  const JobResult& j = r.result;
  s << '|' << j.leftover_killed << j.memory_stopped << j.pruned << ' '
    << j.pruned_step << ' ' << j.rung << ' ' << j.rung_value.value_or(-1) << ' '
    << j.gpus.size() << ' ' << j.collect_missing.size() << ' '
    << j.collect_refused.size() << ' ' << r.params_b64_json << ' ' << r.file;
  return s.str();
}

Seen seen(const Record& r, std::string_view text) {
  return Seen{std::string(text),
              r.kind,
              r.job,
              r.rep,
              r.attempt,
              std::string(r.params_json),
              std::string(r.line),
              std::string(r.data_json),
              std::string(r.time),
              r.result.error,
              r.stream,
              r.result.exit_code,
              r.result.signal,
              r.result.duration_s,
              r.result.cpu_user_s,
              r.result.cpu_sys_s,
              r.result.max_rss_kb,
              r.result.timeout,
              r.result.stopped,
              r.result.will_retry,
              r.has_key,
              r.ok,
              r.key,
              decoded(r)};
}

// Top-level keys of an object as text, duplicates included.
std::size_t raw_key_count(const std::string& text) {
  std::size_t keys = 0;
  int depth = 0;
  auto cb = [&](int d, Json::parse_event_t e, Json&) {
    if (e == Json::parse_event_t::key && d == 1) ++keys;
    depth = d;
    return true;
  };
  (void)Json::parse(text, cb, false);
  return keys;
}

void check_against_nlohmann(std::string_view line, const Record& r) {
  std::string text(line);
  Json j = Json::parse(text, nullptr, false);
  FUZZ_CHECK(j.is_object(),
             "accepted, but nlohmann reads "
                 << fuzz::show(line) << " as "
                 << (j.is_discarded() ? "invalid" : j.type_name()));
  FUZZ_CHECK(j.contains("job"), "accepted without a job: " << fuzz::show(line));
  // -0 is the job 0 (an integer, if a signed one to nlohmann).
  FUZZ_CHECK(j["job"].is_number_unsigned() ||
                 (j["job"].is_number_integer() && j["job"] == 0),
             fuzz::show(line));
  // A key given twice: which one a reader keeps is not specified.
  if (raw_key_count(text) != j.size()) return;
  FUZZ_CHECK(r.job == j["job"].get<std::uint64_t>(), fuzz::show(line));
  if (j.contains("params"))
    FUZZ_CHECK(
        Json::parse(r.params_json, nullptr, false) == j["params"],
        "params " << fuzz::show(r.params_json) << " in " << fuzz::show(line));
  else
    FUZZ_CHECK(r.params_json.empty(), fuzz::show(line));
  if (j.contains("line")) {
    FUZZ_CHECK(j["line"].is_string() && r.line == j["line"].get<std::string>(),
               "line " << fuzz::show(r.line) << " in " << fuzz::show(line));
    if (j.contains("data"))
      FUZZ_CHECK(
          Json::parse(r.data_json, nullptr, false) == j["data"],
          "data " << fuzz::show(r.data_json) << " in " << fuzz::show(line));
    else
      FUZZ_CHECK(r.data_json.empty(), fuzz::show(line));
  }
  FUZZ_CHECK(r.rep == (j.contains("rep") ? j["rep"].get<std::uint64_t>() : 0),
             fuzz::show(line));
  std::uint64_t attempt =
      j.contains("attempt")    ? j["attempt"].get<std::uint64_t>()
      : j.contains("attempts") ? j["attempts"].get<std::uint64_t>()
                               : 1;
  if (!(j.contains("attempt") && j.contains("attempts")))
    FUZZ_CHECK(r.attempt == attempt, fuzz::show(line));
  RecordKind kind = j.contains("key")    ? RecordKind::kJournal
                    : j.contains("line") ? RecordKind::kLine
                    : j.contains("exit") || j.contains("signal")
                        ? RecordKind::kEnd
                        : RecordKind::kGrid;
  FUZZ_CHECK(r.kind == kind, fuzz::show(line));
}

bool blank_line(std::string_view s) {
  return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

void check_file(std::string_view bytes) {
  std::string path = fuzz::write_file(fuzz::scratch_dir() + "/records", bytes);
  // Line by line, as the README says a file is read.
  std::vector<Seen> want;
  std::uint64_t blank = 0;
  bool torn = false, error = false;
  RecordReader reader;
  Record r;
  for (std::size_t from = 0; from < bytes.size() && !error;) {
    std::size_t nl = bytes.find('\n', from);
    bool last = nl == std::string_view::npos;
    std::string_view line =
        bytes.substr(from, last ? std::string_view::npos : nl - from);
    from = last ? bytes.size() : nl + 1;
    if (blank_line(line)) {
      ++blank;
    } else if (reader.parse(line, r)) {
      want.push_back(seen(r, line));
    } else if (last) {
      torn = true;
    } else {
      error = true;
    }
  }
  std::vector<Seen> got;
  ReadSummary summary;
  std::string why;
  bool ok = fuzz::accepts(
      [&] {
        summary = read_records(path, kFieldAll,
                               [&](const Record& rec, std::string_view text) {
                                 got.push_back(seen(rec, text));
                               });
      },
      &why);
  FUZZ_CHECK(ok == !error, (ok ? "a line that is not a record passed"
                               : "records failed: " + why));
  if (!ok) return;
  FUZZ_CHECK(got.size() == want.size(),
             got.size() << " records read, " << want.size() << " line by line");
  for (std::size_t i = 0; i < got.size(); ++i)
    FUZZ_CHECK(got[i] == want[i], "record " << i << ": "
                                            << fuzz::show(got[i].text) << " vs "
                                            << fuzz::show(want[i].text));
  FUZZ_CHECK(summary.blank == blank, summary.blank << " blank, " << blank);
  FUZZ_CHECK(summary.torn == torn);
  // Read again in small blocks by two threads: the same, block after block.
  std::vector<Seen> threaded;
  ReadOptions how{2, 1 + bytes.size() % 61};
  ReadSummary again = read_records(
      path, kFieldAll,
      [&](const Record& rec, std::string_view text) {
        threaded.push_back(seen(rec, text));
      },
      how);
  FUZZ_CHECK(threaded == got, "two threads, blocks of " << how.block);
  FUZZ_CHECK(again.blank == summary.blank && again.torn == summary.torn);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size > 8192) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  RecordReader all;
  Record r;
  bool accepted = all.parse(bytes, r);
  if (accepted)
    check_against_nlohmann(bytes, r);
  else
    FUZZ_CHECK(!all.why().empty());
  for (unsigned fields : {0u, unsigned(kFieldParams), unsigned(kFieldResult),
                          unsigned(kFieldParams | kFieldResult | kFieldJournal),
                          unsigned(kFieldLine)}) {
    RecordReader some(fields);
    Record s;
    bool ok = some.parse(bytes, s);
    if (accepted) {
      FUZZ_CHECK(
          ok, "fields " << fields << " reject what all accept: " << some.why());
      FUZZ_CHECK(s.job == r.job && s.kind == r.kind, "fields " << fields);
    }
  }
  RecordReader parser(kFieldAll, true);
  Record p;
  bool by_parser = parser.parse(bytes, p);
  FUZZ_CHECK(accepted == by_parser,
             "the fast path "
                 << (accepted ? "accepts" : "rejects")
                 << " what the parser does not: " << fuzz::show(bytes));
  if (accepted) {
    Seen a = seen(r, bytes), b = seen(p, bytes);
    FUZZ_CHECK(a == b, "the fast path reads " << fuzz::show(bytes) << " as "
                                              << fuzz::show(a.decoded)
                                              << ", the parser as "
                                              << fuzz::show(b.decoded));
  }
  check_file(bytes);
  return 0;
}
