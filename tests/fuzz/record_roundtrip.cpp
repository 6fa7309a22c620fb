// Records written by the one writer (core/record_writer.hpp) read back, by
// RecordReader::parse and by read_records, as what was written: line
// records (any bytes of text; a line that is a JSON object also as data),
// end records, journal records and grid listings, with any job, params,
// rep, attempt and result. Text that is not valid UTF-8 is written with
// U+FFFD in place of each bad byte, so texts are compared as written.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "core/record_writer.hpp"
#include "fuzz.hpp"
#include "sweep/record.hpp"

using namespace sweep;

namespace {

struct Written {
  RecordKind kind;
  RecordHead head;
  std::string params;
  Stream stream = Stream::kStdout;
  std::string line;  ///< Line records: the text.
  JobResult result;
  JobKey key;
  std::string time;
};

// Text as JSON writes it: the same bytes where valid, U+FFFD where not.
std::string as_written(std::string_view s) {
  std::string j;
  append_json_string(j, s);
  return nlohmann::json::parse(j).get<std::string>();
}

std::string params_json(FuzzedDataProvider& in) {
  std::string out = "{";
  int n = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < n; ++i) {
    if (i) out += ',';
    append_json_string(out, in.ConsumeRandomLengthString(8));
    out += ':';
    Value v;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0:
        v = in.ConsumeIntegral<std::int64_t>();
        break;
      case 1:
        v = in.ConsumeFloatingPoint<double>();
        break;
      case 2:
        v = in.ConsumeBool();
        break;
      default:
        v = in.ConsumeRandomLengthString(16);
    }
    append_json(out, v);
  }
  return out + "}";
}

JobResult result(FuzzedDataProvider& in) {
  JobResult r;
  if (in.ConsumeBool())
    r.signal = in.ConsumeIntegralInRange(1, SIGRTMAX);
  else
    r.exit_code = in.ConsumeIntegral<int>();
  // Durations: up to a year, as the writer rounds them (microseconds).
  r.duration_s = in.ConsumeFloatingPointInRange(0.0, 3.2e7);
  r.cpu_user_s = in.ConsumeFloatingPointInRange(0.0, 3.2e7);
  r.cpu_sys_s = in.ConsumeFloatingPointInRange(0.0, 3.2e7);
  r.max_rss_kb = in.ConsumeIntegral<long>();
  r.timeout = in.ConsumeBool();
  r.stopped = in.ConsumeBool();
  r.will_retry = in.ConsumeBool();
  r.memory_stopped = in.ConsumeBool();
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
    r.gpus.push_back(std::to_string(in.ConsumeIntegralInRange(0, 15)));
  if (in.ConsumeBool()) r.error = in.ConsumeRandomLengthString(32);
  // --prune's step is a number a job printed: always finite.
  r.pruned = in.ConsumeBool();
  r.pruned_step = in.ConsumeFloatingPointInRange(-1e300, 1e300);
  // --halving: any double as the value (the writer leaves out what JSON
  // cannot hold).
  if (in.ConsumeBool()) {
    r.rung = in.ConsumeIntegralInRange(0, 63);
    if (in.ConsumeBool()) r.rung_value = in.ConsumeFloatingPoint<double>();
  }
  return r;
}

double rounded(double s) { return std::round(s * 1e6) / 1e6; }

void check(const Written& w, const Record& r, std::string_view text) {
  std::string at = fuzz::show(text);
  FUZZ_CHECK(r.kind == w.kind, at);
  FUZZ_CHECK(r.job == w.head.job, at);
  FUZZ_CHECK(r.params_json == w.params, at);
  if (w.kind == RecordKind::kJournal) {
    FUZZ_CHECK(r.rep == w.head.rep.value_or(0), at);
    FUZZ_CHECK(r.attempt == w.head.attempt.value_or(1), at);
    FUZZ_CHECK(r.has_key && r.key == w.key, at);
    FUZZ_CHECK(r.ok == w.result.ok(), at);
    FUZZ_CHECK(r.time == as_written(w.time), at);
  } else {
    FUZZ_CHECK(r.rep == w.head.rep.value_or(0), at);
    FUZZ_CHECK(r.attempt == w.head.attempt.value_or(1), at);
    FUZZ_CHECK(!r.has_key, at);
  }
  if (w.kind == RecordKind::kLine) {
    FUZZ_CHECK(r.stream == w.stream, at);
    FUZZ_CHECK(r.line == as_written(w.line), at);
    if (is_json_object(w.line))
      FUZZ_CHECK(nlohmann::json::parse(r.data_json, nullptr, false) ==
                     nlohmann::json::parse(w.line),
                 "data " << fuzz::show(r.data_json) << " in " << at);
    else
      FUZZ_CHECK(r.data_json.empty(), at);
  }
  if (w.kind == RecordKind::kEnd || w.kind == RecordKind::kJournal) {
    const JobResult& a = r.result;
    const JobResult& b = w.result;
    FUZZ_CHECK(a.signal == b.signal, at);
    FUZZ_CHECK(a.exit_code == (b.signal ? 0 : b.exit_code), at);
    FUZZ_CHECK(a.duration_s == rounded(b.duration_s), at);
    FUZZ_CHECK(a.cpu_user_s == rounded(b.cpu_user_s), at);
    FUZZ_CHECK(a.cpu_sys_s == rounded(b.cpu_sys_s), at);
    FUZZ_CHECK(a.max_rss_kb == b.max_rss_kb, at);
    FUZZ_CHECK(a.timeout == b.timeout && a.stopped == b.stopped &&
                   a.will_retry == b.will_retry &&
                   a.memory_stopped == b.memory_stopped && a.gpus == b.gpus,
               at);
    FUZZ_CHECK(a.error == (b.error.empty() ? "" : as_written(b.error)), at);
    FUZZ_CHECK(a.pruned == b.pruned, at);
    if (b.pruned) FUZZ_CHECK(a.pruned_step == b.pruned_step, at);
    FUZZ_CHECK(a.rung == b.rung, at);
    std::optional<double> value = b.rung_value;
    if (b.rung < 0 || (value && !std::isfinite(*value))) value.reset();
    FUZZ_CHECK(a.rung_value == value, at);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<Written> written;
  std::string file;
  int count = in.ConsumeIntegralInRange(1, 6);
  for (int i = 0; i < count; ++i) {
    Written w;
    w.params = params_json(in);
    w.head.job = in.ConsumeIntegral<std::uint64_t>();
    w.head.params_json = w.params;
    if (in.ConsumeBool()) w.head.rep = in.ConsumeIntegral<std::uint64_t>();
    if (in.ConsumeBool()) w.head.attempt = in.ConsumeIntegral<unsigned>();
    std::string out;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0:
        w.kind = RecordKind::kLine;
        w.stream = in.ConsumeBool() ? Stream::kStderr : Stream::kStdout;
        w.line = in.ConsumeRandomLengthString(256);
        // A line never holds its newline.
        std::erase(w.line, '\n');
        append_record_head(out, w.head);
        append_line_prefix(out, w.stream);
        append_line_body(out, w.line);
        break;
      case 1:
        w.kind = RecordKind::kEnd;
        w.result = result(in);
        append_end_record(out, w.head, w.result);
        break;
      case 2:
        w.kind = RecordKind::kJournal;
        w.result = result(in);
        w.key.hi = in.ConsumeIntegral<std::uint64_t>();
        w.key.lo = in.ConsumeIntegral<std::uint64_t>();
        w.time = in.ConsumeRandomLengthString(32);
        append_journal_record(out, w.key, w.head, w.result, w.time);
        break;
      default:
        w.kind = RecordKind::kGrid;
        append_grid_record(out, w.head);
    }
    FUZZ_CHECK(
        !out.empty() && out.back() == '\n' && out.find('\n') == out.size() - 1,
        "a record is one line: " << fuzz::show(out));
    std::string_view line(out.data(), out.size() - 1);
    RecordReader reader;
    Record r;
    FUZZ_CHECK(reader.parse(line, r),
               "not read back (" << reader.why() << "): " << fuzz::show(line));
    check(w, r, line);
    written.push_back(std::move(w));
    file += out;
  }
  // The same records as one file, through read_records' fast path.
  std::string path = fuzz::write_file(fuzz::scratch_dir() + "/records", file);
  std::size_t i = 0;
  std::string why;
  FUZZ_CHECK(fuzz::accepts(
                 [&] {
                   read_records(path, kFieldAll,
                                [&](const Record& r, std::string_view text) {
                                  FUZZ_CHECK(i < written.size());
                                  check(written[i++], r, text);
                                });
                 },
                 &why),
             why);
  FUZZ_CHECK(i == written.size(), i << " of " << written.size() << " read");
  return 0;
}
